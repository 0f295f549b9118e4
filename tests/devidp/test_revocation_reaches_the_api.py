"""End to end: a transfer:funds token that the embedded IdP revoked (its code was redeemed
twice, RFC 9700 §4.5) moves no money at the API, which asks the IdP through RFC 7662."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from django.test import Client as BrowserClient

from accounts.models import Account
from api_auth import introspection
from api_auth import jwks as api_jwks
from api_auth.models import SpentToken
from tests.factories import AccountFactory, CustomerFactory

from .conftest import ISSUER, jwks

pytestmark = pytest.mark.django_db
TRANSFER = {"scope": "openid transfer:funds"}


def through_test_client(url: str, *, data: dict, auth: tuple[str, str], **kwargs):
    """The API's POST to the IdP, served in-process (only the socket is skipped)."""
    answer = BrowserClient().post(
        url.removeprefix("http://testserver"), data, HTTP_AUTHORIZATION=_basic(auth)
    )
    response = requests.Response()
    response.status_code = answer.status_code
    response._content = answer.content
    return response


def _basic(auth: tuple[str, str]) -> str:
    import base64

    return "Basic " + base64.b64encode(":".join(auth).encode()).decode()


@pytest.fixture
def api_at_the_embedded_idp(settings, monkeypatch):
    settings.API_ISSUER = ISSUER
    settings.API_JWKS_URL = None
    settings.API_INTROSPECTION_URL = "http://testserver/idp/oauth/introspect"
    settings.API_INTROSPECTION_CLIENT_ID = settings.DEVIDP_INTROSPECTION_CLIENT_ID
    settings.API_INTROSPECTION_CLIENT_SECRET = settings.DEVIDP_INTROSPECTION_CLIENT_SECRET
    settings.API_ALLOWED_CLIENTS = {"transfer:funds": ["fabrikam-web"]}
    settings.TRANSACTION_APPROVAL_FOR_NEW_PAYEES = False  # a plain step-up token suffices
    monkeypatch.setattr(api_jwks, "jwks_fetch", jwks)
    monkeypatch.setattr(api_jwks, "jwks_cache", api_jwks.JwksCache())
    monkeypatch.setattr(introspection.requests, "post", through_test_client)


@pytest.fixture
def alice_accounts(db):
    customer = CustomerFactory(sub="devidp|alice", name="Alice Ng")
    source = AccountFactory(customer=customer, number="1000000011", balance=Decimal("100.00"))
    return source, AccountFactory(number="1000000021")


def transfer(token: str, source: Account, destination: Account, key: str):
    return BrowserClient().post(
        "/api/transfers",
        data=json.dumps(
            {"source": source.number, "destination": destination.number, "amount": "10.00"}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def test_a_token_revoked_by_a_reused_code_moves_no_money(
    rp, alice, api_at_the_embedded_idp, alice_accounts
):
    source, destination = alice_accounts
    code = rp.code(rp.second_factor(rp.sign_in(rp.authorize(**TRANSFER)), alice))
    token = rp.exchange(code).json()["access_token"]
    assert rp.exchange(code).status_code == 400  # the replay revokes what the code produced

    response = transfer(token, source, destination, key="revoked-key-0001")

    assert response.status_code == 401
    assert response.json()["detail"] == "The access token has been revoked."
    assert not SpentToken.objects.exists()
    source.refresh_from_db()
    assert source.balance == Decimal("100.00")


def test_the_same_kind_of_token_unrevoked_moves_money_once(
    rp, alice, api_at_the_embedded_idp, alice_accounts
):
    source, destination = alice_accounts
    token = rp.login(alice, **TRANSFER)["access_token"]

    assert transfer(token, source, destination, key="live-key-00001").status_code == 201
    assert transfer(token, source, destination, key="live-key-00002").status_code == 401
    source.refresh_from_db()
    assert source.balance == Decimal("90.00")


def test_a_token_revoked_by_a_reused_code_reads_nothing_either(
    rp, alice, api_at_the_embedded_idp, alice_accounts
):
    _source, destination = alice_accounts
    code = rp.code(rp.sign_in(rp.authorize()))  # a sign-in: read:accounts
    token = rp.exchange(code).json()["access_token"]
    assert rp.exchange(code).status_code == 400  # the replay revokes what the code produced

    for path in ("/api/accounts", f"/api/payees/{destination.number}"):
        response = BrowserClient().get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, path
        assert response.json()["detail"] == "The access token has been revoked."
