"""A standard CIBA client against the embedded IdP on a live server: panva's certified
openid-client (tests/interop, `make interop-deps`) runs `initiateBackchannelAuthentication`
and `pollBackchannelAuthenticationGrant` under node, while the phone's approval is done by
Python signing as the phone app does. A decline reaches it as access_denied."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from devidp.seed import demo_seed

from .conftest import authorization_details
from .phone import SoftPhone, paired_phone

pytestmark = pytest.mark.django_db(transaction=True)

INTEROP = Path(django_settings.BASE_DIR) / "tests" / "interop"
NODE = shutil.which("node")


@pytest.fixture
def idp(live_server, settings):
    if NODE is None or not (INTEROP / "node_modules" / "openid-client").exists():
        reason = "node or tests/interop/node_modules missing (make interop-deps)"
        if os.environ.get("CI"):  # CI must run it
            pytest.fail(reason)
        pytest.skip(reason)
    settings.DEVIDP_ISSUER = f"{live_server.url}/idp"
    settings.DEVIDP_CIBA_INTERVAL = 1
    _client, users = demo_seed()
    return settings.DEVIDP_ISSUER, users[0]


def run_client(issuer: str) -> subprocess.Popen:
    details = authorization_details(amount="42.00", payee="Adatum R.", destination="1000000021")
    assert NODE is not None  # the idp fixture skipped without it
    return subprocess.Popen(  # noqa: S603 - our own script and test values
        [
            NODE,
            "ciba_poll.mjs",
            issuer,
            "fabrikam-assistant",
            "demo-only-fabrikam-assistant-secret",
            "alice@fabrikam.example",
            details,
        ],
        cwd=INTEROP,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer_when_asked(phone: SoftPhone, decision: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if requests := phone.requests():
            time.sleep(1.5)  # let the client poll at least once: authorization_pending
            assert phone.answer(requests[0], decision=decision).status_code == 200
            return requests[0]
        time.sleep(0.2)
    raise AssertionError("the phone never got the request")


def test_openid_client_runs_ciba_poll_mode_to_tokens_that_carry_the_payment(idp):
    issuer, alice = idp
    phone = paired_phone(alice)
    node = run_client(issuer)
    request = answer_when_asked(phone, "approve")
    out, err = node.communicate(timeout=30)
    assert node.returncode == 0, (out, err)
    result = json.loads(out)
    assert request["binding_message"] == "FAB-0424"
    assert result["interval"] == 1
    assert result["id_token_claims"]["sub"] == "devidp|alice"
    assert result["id_token_claims"]["aud"] == "fabrikam-assistant"
    access = result["access_token_claims"]
    assert access["client_id"] == "fabrikam-assistant"
    assert access["authorization_details"][0]["amount"] == "42.00"
    assert result["authorization_details"] == access["authorization_details"]
    assert access["amr"] == ["swk", "mca", "mfa"]


def test_openid_client_hears_access_denied_when_the_phone_declines(idp):
    issuer, alice = idp
    phone = paired_phone(alice)
    node = run_client(issuer)
    answer_when_asked(phone, "deny")
    out, err = node.communicate(timeout=30)
    assert node.returncode == 1, (out, err)
    assert json.loads(out)["error"] == "access_denied"
