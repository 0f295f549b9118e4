"""The assistant end to end in the FAPI 2.0 profile, in-process (`transfers/assistant.py`):
it authenticates at the embedded IdP with private_key_jwt, its CIBA token is bound to its
DPoP key, and the bank's API takes that token only with a proof of the key."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey, KeySet

from api_auth.models import SpentToken
from devidp.models import IssuedToken
from devidp.seed import assistant_client_sync
from transfers.assistant import AssistantFailed
from transfers.models import Transfer

from .conftest import jwks
from .fapi import ec_key, public_jwks
from .phone import paired_phone
from .test_assistant_pay import InProcess, bank, pay, phone_that

pytestmark = pytest.mark.django_db

__all__ = ["bank"]  # the fixture, used by name below


@pytest.fixture
def fapi2(settings, bank, tmp_path):
    """The IdP, the bank's client side and the API all in fapi2; the assistant's demo-only
    key in a file, its public half registered at the IdP as `devidp_seed` does."""
    key = ec_key()
    key_file = tmp_path / "assistant.demo-only.private.jwk"
    key_file.write_text(json.dumps(key.as_dict(private=True)))
    settings.DEVIDP_PROFILE = settings.OIDC_PROFILE = settings.API_PROFILE = "fapi2"
    settings.API_EXTERNAL_URL = "http://testserver"
    settings.ASSISTANT_CLIENT_KEY_FILE = str(key_file)
    settings.ASSISTANT_CLIENT_SECRET = None  # no secret to fall back on
    settings.DEVIDP_ASSISTANT_CLIENT_JWKS = public_jwks(key)
    assistant_client_sync()
    return bank


def capture_api_call(monkeypatch, *, as_bearer: bool = False) -> dict:
    """What the assistant sends the API; with `as_bearer`, the token is sent as a bearer
    token instead (what someone who copied it off the wire would do, without the key)."""
    captured: dict = {}
    real_post = InProcess.post

    def post(self, url, **kwargs):
        if url.endswith("/api/transfers"):
            headers = kwargs["headers"]
            captured["headers"] = dict(headers)
            if as_bearer:
                token = headers["Authorization"].split(" ", 1)[1]
                kwargs["headers"] = {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": headers["Idempotency-Key"],
                }
        return real_post(self, url, **kwargs)

    monkeypatch.setattr(InProcess, "post", post)
    return captured


def test_in_fapi2_the_assistant_pays_with_a_dpop_bound_token(fapi2, alice, monkeypatch):
    source, destination = fapi2
    captured = capture_api_call(monkeypatch)
    receipt = pay(phone_that("approve", paired_phone(alice)), [])
    assert receipt.transfer["status"] == "completed"
    scheme, token = captured["headers"]["Authorization"].split(" ", 1)
    assert scheme == "DPoP"
    proof_key = ECKey.import_key(
        jws.extract_compact(captured["headers"]["DPoP"].encode()).headers()["jwk"]
    )
    proof = jwt.decode(captured["headers"]["DPoP"], proof_key, algorithms=["ES256"])
    claims = jwt.decode(
        token, KeySet.import_key_set({"keys": jwks()["keys"]}), algorithms=["PS256"]
    ).claims
    assert claims["client_id"] == "fabrikam-assistant"
    assert claims["cnf"] == {"jkt": proof_key.thumbprint()}
    assert proof.claims["htu"] == "http://testserver/api/transfers"
    assert "ath" in proof.claims
    source.refresh_from_db()
    destination.refresh_from_db()
    assert (source.balance, destination.balance) == (Decimal("58.00"), Decimal("42.00"))
    assert SpentToken.objects.count() == 1
    assert IssuedToken.objects.count() == 1


def test_in_fapi2_the_assistants_token_sent_as_bearer_is_refused(fapi2, alice, monkeypatch):
    source, _destination = fapi2
    capture_api_call(monkeypatch, as_bearer=True)
    with pytest.raises(AssistantFailed, match="takes DPoP-bound tokens only"):
        pay(phone_that("approve", paired_phone(alice)), [])
    assert not Transfer.objects.filter(source=source).exists()
    source.refresh_from_db()
    assert source.balance == Decimal("100.00")


def test_in_fapi2_the_assistant_without_its_key_sends_nothing(fapi2, alice, settings):
    source, _destination = fapi2
    phone = paired_phone(alice)
    settings.ASSISTANT_CLIENT_KEY_FILE = None
    with pytest.raises(AssistantFailed, match="ASSISTANT_CLIENT_KEY_FILE"):
        pay(phone_that("approve", phone), [])
    assert phone.requests() == []  # the phone was never asked
    assert not Transfer.objects.filter(source=source).exists()
