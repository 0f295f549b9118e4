"""The money pages: never kept in a cache, and another customer's account is simply not
found (before any second factor is asked for)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.models import LedgerEntry
from oidc_client.session import ELEVATED_KEY
from tests.factories import AccountFactory, CustomerFactory, TransferFactory
from tests.oidc_client.oidc_provider import ISSUER
from tests.web_api import MFA, sign_in_with
from transfers.client import PENDING_KEY
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_with_everything(client, web_op):
    """Alice signed in with a fresh second factor, an elevated token, a transfer made and
    another waiting for confirmation: every money page has something to show."""
    alice = CustomerFactory(sub="auth0|alice", name="Alice Ng")
    checking = AccountFactory(customer=alice, number="1000000011", balance=Decimal("500.00"))
    bob = AccountFactory(number="1000000021", customer__name="Bob Okafor")
    transfer = TransferFactory(source=checking, destination=bob, amount=Decimal("5.00"))
    sign_in_with(client, web_op, amr=["pwd", "mfa"], acr=MFA, auth_time=int(time.time()))
    session = client.session
    session[ELEVATED_KEY] = {
        "transfer:funds": {
            "access_token": "elevated-token",
            "expires_at": int(time.time()) + 240,
            "scope": "openid transfer:funds",
            "auth_time": int(time.time()),
        }
    }
    session[PENDING_KEY] = {
        "source": "1000000011",
        "destination": "1000000021",
        "amount": "1.00",
        "memo": "",
        "idempotency_key": "sweep-key-0001",
        "payee": "Bob O.",
        "stepped_up": False,
    }
    session.save()
    client.transfer = transfer
    return client


def test_every_money_page_tells_the_browser_not_to_store_it(alice_with_everything):
    client = alice_with_everything
    pages = [
        "/",
        "/accounts/",
        "/accounts/1000000011/",
        "/accounts/1000000011/statements",
        "/accounts/1000000011/statements.csv",
        "/transfers/new",
        "/transfers/confirm",
        f"/transfers/{client.transfer.pk}",
    ]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        assert "no-store" in response.get("Cache-Control", ""), page


def test_charlie_asking_for_alices_statement_gets_404_without_a_second_factor(
    client, web_op, mint_token, alice_checking
):
    web_op.token_overrides = {"access_token": mint_token(sub="auth0|charlie", iss=ISSUER)}
    sign_in_with(client, web_op, sub="auth0|charlie", name="Charlie Haas")  # a password only

    for page in ("/accounts/1000000011/statements", "/accounts/1000000011/statements.csv"):
        response = client.get(page)
        assert response.status_code == 404, (page, response.get("Location"))
        assert b"No such account" in response.content
    assert client.get("/accounts/1999999999/statements").status_code == 404
    assert client.get("/accounts/1000000011/").status_code == 404  # as the history page says


def test_history_and_receipts_show_local_time_and_statements_say_they_are_utc(
    alice_with_everything, settings
):
    settings.TIME_ZONE = "America/New_York"
    at = datetime(2026, 12, 4, 2, 30, tzinfo=UTC)  # 21:30 on 3 Dec in New York
    LedgerEntry.objects.filter(account__number="1000000011").update(created_at=at)
    Transfer.objects.filter(pk=alice_with_everything.transfer.pk).update(created_at=at)

    history = alice_with_everything.get("/accounts/1000000011/").content.decode()
    receipt = alice_with_everything.get(f"/transfers/{alice_with_everything.transfer.pk}")
    statement = alice_with_everything.get("/accounts/1000000011/statements?month=2026-12")

    assert "3 Dec 2026, 21:30" in history
    assert "3 Dec 2026, 21:30" in receipt.content.decode()
    # The statement month is the UTC month, so the entry is in December's, dated in UTC.
    assert "midnight to midnight UTC" in statement.content.decode()
    assert "2026-12-04" in statement.content.decode()
