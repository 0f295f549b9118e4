"""The FAPI 2.0 profile end to end, in-process against the embedded IdP on a live server:
the transfer token is bound to the session's DPoP key (`cnf.jkt`), the bank sends it to the
API as `Authorization: DPoP` with a proof, the Security page shows the binding (never the
token), and a thief who takes the token and sends it first as Bearer, or with a proof of
another key, is refused and spends nothing, so the customer's own transfer still goes.

Run with `-s` to print the decoded claims and the refusal (the issue's closing note).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import requests
from jose import jwt
from joserfc.jwk import ECKey
from requests.adapters import HTTPAdapter

from accounts.models import Account
from oidc_client import dpop
from oidc_client.session import ELEVATED_KEY, TOKENS_KEY
from tests.journey import Browser
from transfers.models import Transfer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.parametrize("profile", ["fapi2"]),
]
ALICE = "alice@fabrikam.example"
PAYMENT = {"source": "1000000011", "destination": "1000000021", "amount": "12.34"}


@pytest.fixture
def sent_to_the_api(monkeypatch) -> list[tuple[str, str, bool]]:
    """("METHOD /path", Authorization scheme, whether a DPoP proof header is present) of
    every call the web app makes to the API, as it leaves on the wire."""
    calls: list[tuple[str, str, bool]] = []
    original = HTTPAdapter.send

    def send(self, request, **kwargs):
        if "/api/" in request.url:
            scheme = request.headers.get("Authorization", "").partition(" ")[0]
            calls.append(
                (f"{request.method} {request.path_url}", scheme, "DPoP" in request.headers)
            )
        return original(self, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return calls


def reviewed_transfer(browser: Browser) -> None:
    browser.sign_in()
    browser.through_idp(browser.get("/transfers/new"), ALICE)
    form = browser.get("/transfers/new")
    found = re.search(rb'name="idempotency_key" value="([^"]+)"', form.content)
    assert found, "the transfer form carries its Idempotency-Key"
    key = found[1].decode()
    assert browser.post("/transfers/new", {**PAYMENT, "idempotency_key": key}).status_code == 302


def test_the_transfer_token_is_dpop_bound_and_useless_to_a_thief(browser: Browser, sent_to_the_api):
    reviewed_transfer(browser)
    session = browser.client.session
    held = session[ELEVATED_KEY]["transfer:funds"]
    token = held["access_token"]
    session_key = ECKey.import_key(session[dpop.KEY_SESSION_KEY])
    claims = jwt.get_unverified_claims(token)

    # Bound to this session's key: RFC 9449 §6.1, the key's RFC 7638 thumbprint.
    assert claims["cnf"] == {"jkt": dpop.thumbprint(session_key)}
    assert session[TOKENS_KEY]["token_type"] == "DPoP"
    assert jwt.get_unverified_header(token)["alg"] in ("PS256", "ES256")

    # The Security page shows the binding, decoded, and nothing of the token.
    security = browser.get("/security").content.decode()
    assert claims["cnf"]["jkt"] in security and "this session's key" in security
    assert token not in security and token.split(".")[1] not in security

    # A thief with the token alone: as Bearer, then with a proof signed by their own key.
    url = f"{browser.site}/api/transfers"
    headers = {"Idempotency-Key": "thief-1", "Content-Type": "application/json"}
    as_bearer = requests.post(
        url,
        data=json.dumps(PAYMENT),
        headers={**headers, "Authorization": f"Bearer {token}"},
        timeout=10,
    )
    thief_key = ECKey.generate_key("P-256", private=True)
    with_other_key = requests.post(
        url,
        data=json.dumps(PAYMENT),
        headers={**headers, "Idempotency-Key": "thief-2"},
        auth=dpop.DPoPAuth(thief_key, token),
        timeout=10,
    )

    assert as_bearer.status_code == 401
    assert as_bearer.headers["WWW-Authenticate"].startswith("DPoP ")
    assert as_bearer.headers["Content-Type"] == "application/problem+json"
    assert with_other_key.status_code == 401
    assert "DPoP" in with_other_key.headers["WWW-Authenticate"]
    assert not Transfer.objects.filter(amount=Decimal("12.34")).exists()

    # The customer's own click still sends it: the refusals spent nothing.
    before = Account.objects.get(number="1000000011").balance
    sent_to_the_api.clear()
    sent = browser.post("/transfers/confirm")

    assert sent.status_code == 302 and sent["Location"].startswith("/transfers/")
    assert Account.objects.get(number="1000000011").balance == before - Decimal("12.34")
    transfer_calls = [call for call in sent_to_the_api if call[0] == "POST /api/transfers"]
    assert transfer_calls and all(scheme == "DPoP" and proof for _, scheme, proof in transfer_calls)

    print_evidence(token, as_bearer, with_other_key)


def print_evidence(token: str, as_bearer: requests.Response, other: requests.Response) -> None:
    """What `-s` shows, for the issue's closing note: the token's decoded header and claims
    (never the token), and both refusals as the API sent them."""
    print("\n--- decoded DPoP-bound transfer token: header, then claims")
    print(json.dumps(jwt.get_unverified_header(token), indent=2))
    print(json.dumps(jwt.get_unverified_claims(token), indent=2))
    for title, answer in (("sent as Bearer", as_bearer), ("with another key's proof", other)):
        print(f"--- that token {title}, before its owner used it")
        print(f"HTTP {answer.status_code}")
        for name in ("WWW-Authenticate", "Content-Type", "Cache-Control", "DPoP-Nonce"):
            if name in answer.headers:
                print(f"{name}: {answer.headers[name]}")
        print(answer.text)
