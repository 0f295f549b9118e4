"""GET /api/accounts/<number>/statement: a month of the owner's ledger, with true totals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.api_schemas import validator
from accounts.models import LedgerEntry
from tests.factories import TransferFactory
from tests.tokens import bearer
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def dated(transfer: Transfer, when: datetime) -> Transfer:
    """Move a transfer and its ledger entries to `when`, as the demo seed does."""
    Transfer.objects.filter(pk=transfer.pk).update(created_at=when)
    LedgerEntry.objects.filter(reference=transfer.pk).update(created_at=when)
    return transfer


@pytest.fixture
def november(alice_checking, bob_checking):
    """Alice: 1000.00 opened in October; in November -25.50, +40.00, -4.50."""
    opening = LedgerEntry.objects.get(account=alice_checking)
    LedgerEntry.objects.filter(pk=opening.pk).update(created_at=datetime(2025, 10, 3, tzinfo=UTC))
    for when, source, destination, amount, memo in [
        (datetime(2025, 11, 1, 0, 0, tzinfo=UTC), alice_checking, bob_checking, "25.50", "Lunch"),
        (datetime(2025, 11, 15, tzinfo=UTC), bob_checking, alice_checking, "40.00", "Refund"),
        (datetime(2025, 11, 30, 23, 59, tzinfo=UTC), alice_checking, bob_checking, "4.50", "Tea"),
        (datetime(2025, 12, 1, 0, 0, tzinfo=UTC), alice_checking, bob_checking, "1.00", "Later"),
    ]:
        dated(
            TransferFactory.create(
                source=source, destination=destination, amount=Decimal(amount), memo=memo
            ),
            when,
        )
    return alice_checking


def statement(client, token, number="1000000011", **params):
    return client.get(f"/api/accounts/{number}/statement", params, headers=bearer(token))


def test_a_statement_has_the_months_entries_oldest_first_and_true_totals(
    client, mint_token, november
):
    response = statement(client, mint_token(sub="test|alice"), month="2025-11")

    body = response.json()
    assert response.status_code == 200
    assert body["month"] == "2025-11"
    assert [entry["memo"] for entry in body["entries"]] == ["Lunch", "Refund", "Tea"]
    assert [entry["amount"] for entry in body["entries"]] == ["-25.50", "40.00", "-4.50"]
    assert body["opening_balance"] == "1000.00"
    assert body["total_in"] == "40.00"
    assert body["total_out"] == "30.00"
    assert body["closing_balance"] == "1010.00"
    assert body["closing_balance"] == body["entries"][-1]["balance_after"]
    assert body["previous_month"] == "2025-10"
    assert body["next_month"] == "2025-12"
    validator("Statement").validate(body)  # as the API documents it


def test_a_month_before_any_activity_is_empty_with_no_earlier_statement(
    client, mint_token, november
):
    body = statement(client, mint_token(sub="test|alice"), month="2025-09").json()

    assert body["entries"] == []
    assert body["opening_balance"] == body["closing_balance"] == "0.00"
    assert body["previous_month"] is None


def test_without_a_month_it_is_this_months_statement_with_no_next(client, mint_token, november):
    body = statement(client, mint_token(sub="test|alice")).json()

    assert body["month"] == f"{datetime.now(UTC):%Y-%m}"
    assert body["next_month"] is None


def test_charlie_gets_404_for_alices_statement(client, mint_token, november, charlie):
    response = statement(client, mint_token(sub=charlie.sub), month="2025-11")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-1", "11-2026", "2026-11-01", "x", "1899-12", "9999-12"]
)
def test_a_malformed_month_is_a_400_naming_the_field(client, mint_token, november, month):
    response = statement(client, mint_token(sub="test|alice"), month=month)

    assert response.status_code == 400
    assert response.json()["field"] == "month"


def test_a_statement_needs_read_accounts(client, mint_token, november):
    response = statement(client, mint_token(sub="test|alice", scope="openid"), month="2025-11")

    assert response.status_code == 403
    assert 'scope="read:accounts"' in response["WWW-Authenticate"]
