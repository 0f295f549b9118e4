from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import DatabaseError

from accounts.errors import IdempotencyConflict, TransferInvalid
from accounts.models import Account, LedgerEntry
from tests.factories import AccountFactory
from tests.ledger import assert_ledger_consistent
from transfers.models import Transfer
from transfers.services import transfer_create

pytestmark = pytest.mark.django_db
Decline = Transfer.DeclineReason


def pay(customer, source, destination, amount, **kwargs) -> Transfer:
    return transfer_create(
        customer=customer,
        source_number=source.number,
        destination_number=destination if isinstance(destination, str) else destination.number,
        amount=amount,
        **kwargs,
        approved=True,
    )


def balance(account: Account) -> Decimal:
    account.refresh_from_db()
    return account.balance


def test_it_moves_money_and_writes_two_ledger_entries(alice, alice_checking, bob_checking):
    transfer = pay(alice, alice_checking, bob_checking, "125.50", memo="Rent share")

    assert transfer.status == Transfer.Status.COMPLETED
    assert balance(alice_checking) == Decimal("874.50")
    assert balance(bob_checking) == Decimal("325.50")
    entries = {e.account_id: e for e in LedgerEntry.objects.filter(reference=transfer.pk)}
    assert entries[alice_checking.pk].amount == Decimal("-125.50")
    assert entries[alice_checking.pk].balance_after == Decimal("874.50")
    assert entries[bob_checking.pk].amount == Decimal("125.50")
    assert entries[bob_checking.pk].balance_after == Decimal("325.50")
    assert_ledger_consistent()


def test_it_allows_a_transfer_between_own_accounts(alice, alice_checking, alice_savings):
    pay(alice, alice_checking, alice_savings, "10")
    assert balance(alice_savings) == Decimal("60.00")


def test_it_allows_spending_the_whole_balance(alice, alice_checking, bob_checking):
    transfer = pay(alice, alice_checking, bob_checking, "1000.00")
    assert transfer.is_completed
    assert balance(alice_checking) == Decimal("0.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5.00", "more than zero"),
        ("1.005", "two decimal places"),
        ("ten", "such as 12.50"),
        ("NaN", "such as 12.50"),
        ("Infinity", "such as 12.50"),
        (0.1, "decimal string"),
        ("1" + "0" * 15, "too large"),
        # Read differently by Python than by a person: not an amount.
        ("1_000", "such as 12.50"),
        ("\uff11\uff10", "such as 12.50"),  # fullwidth digits
        ("\u0661\u0660", "such as 12.50"),  # Arabic-Indic digits
        ("1e3", "such as 12.50"),
        ("+5", "such as 12.50"),
        (".5", "such as 12.50"),
        ("5.", "such as 12.50"),
        ("1,000", "such as 12.50"),
    ],
)
def test_it_refuses_a_malformed_amount_and_records_nothing(
    alice, alice_checking, bob_checking, amount, message
):
    with pytest.raises(TransferInvalid, match=message) as error:
        pay(alice, alice_checking, bob_checking, amount)
    assert error.value.field == "amount"
    assert Transfer.objects.filter(customer=alice).count() == 0
    assert balance(alice_checking) == Decimal("1000.00")


def test_it_refuses_a_transfer_to_the_same_account(alice, alice_checking):
    with pytest.raises(TransferInvalid) as error:
        pay(alice, alice_checking, alice_checking, "5")
    assert error.value.field == "destination"


def test_charlie_cannot_spend_from_alices_account(charlie, alice_checking, bob_checking):
    with pytest.raises(TransferInvalid, match="not one of your accounts"):
        pay(charlie, alice_checking, bob_checking, "5")
    assert balance(alice_checking) == Decimal("1000.00")


def test_it_refuses_a_memo_that_is_too_long(alice, alice_checking, bob_checking):
    with pytest.raises(TransferInvalid) as error:
        pay(alice, alice_checking, bob_checking, "5", memo="x" * 141)
    assert error.value.field == "memo"


def test_it_declines_insufficient_funds_and_records_the_reason(alice, alice_checking, bob_checking):
    transfer = pay(alice, alice_checking, bob_checking, "1000.01")

    assert transfer.status == Transfer.Status.DECLINED
    assert transfer.decline_reason == Decline.INSUFFICIENT_FUNDS
    assert Transfer.objects.get(pk=transfer.pk).decline_reason == Decline.INSUFFICIENT_FUNDS
    assert balance(alice_checking) == Decimal("1000.00")
    assert balance(bob_checking) == Decimal("200.00")
    assert not LedgerEntry.objects.filter(reference=transfer.pk).exists()


def test_it_declines_an_unknown_payee(alice, alice_checking):
    transfer = pay(alice, alice_checking, "1999999999", "5")
    assert transfer.decline_reason == Decline.UNKNOWN_PAYEE
    assert transfer.destination is None
    assert transfer.destination_number == "1999999999"


def test_it_declines_paying_into_the_banks_clearing_account(alice, alice_checking):
    from accounts.services import clearing_account

    transfer = pay(alice, alice_checking, clearing_account().number, "5")
    assert transfer.decline_reason == Decline.UNKNOWN_PAYEE


@pytest.mark.parametrize("status", [Account.Status.FROZEN, Account.Status.CLOSED])
def test_it_declines_when_the_source_is_not_open(alice, alice_checking, bob_checking, status):
    Account.objects.filter(pk=alice_checking.pk).update(status=status)
    transfer = pay(alice, alice_checking, bob_checking, "5")
    assert transfer.decline_reason == Decline.ACCOUNT_NOT_OPEN
    assert balance(bob_checking) == Decimal("200.00")


def test_it_declines_when_the_destination_is_frozen(alice, alice_checking, bob_checking):
    Account.objects.filter(pk=bob_checking.pk).update(status=Account.Status.FROZEN)
    transfer = pay(alice, alice_checking, bob_checking, "5")
    assert transfer.decline_reason == Decline.ACCOUNT_NOT_OPEN
    assert balance(alice_checking) == Decimal("1000.00")


def test_it_declines_a_transfer_over_the_per_transfer_limit(
    settings, alice, alice_checking, bob_checking
):
    settings.TRANSFER_LIMIT = Decimal("100.00")
    assert pay(alice, alice_checking, bob_checking, "100.00").is_completed
    transfer = pay(alice, alice_checking, bob_checking, "100.01")
    assert transfer.decline_reason == Decline.TRANSFER_LIMIT_EXCEEDED


def test_it_declines_once_the_daily_limit_is_reached(settings, alice, alice_checking, bob_checking):
    settings.DAILY_TRANSFER_LIMIT = Decimal("300.00")
    assert pay(alice, alice_checking, bob_checking, "200.00").is_completed
    assert pay(alice, alice_checking, bob_checking, "100.00").is_completed
    transfer = pay(alice, alice_checking, bob_checking, "0.01")
    assert transfer.decline_reason == Decline.DAILY_LIMIT_EXCEEDED


def test_declined_transfers_do_not_count_towards_the_daily_limit(
    settings, alice, alice_checking, bob_checking
):
    settings.DAILY_TRANSFER_LIMIT = Decimal("300.00")
    assert not pay(alice, alice_checking, bob_checking, "5000.00").is_completed
    assert pay(alice, alice_checking, bob_checking, "300.00").is_completed


def test_a_repeated_idempotency_key_returns_the_first_transfer(alice, alice_checking, bob_checking):
    first = pay(alice, alice_checking, bob_checking, "40.00", idempotency_key="k-1")
    again = pay(alice, alice_checking, bob_checking, "40.00", idempotency_key="k-1")

    assert again.pk == first.pk
    assert balance(alice_checking) == Decimal("960.00")
    assert Transfer.objects.filter(customer=alice).count() == 1


def test_a_repeated_key_returns_a_decline_too(alice, alice_checking, bob_checking):
    first = pay(alice, alice_checking, bob_checking, "5000.00", idempotency_key="k-2")
    assert pay(alice, alice_checking, bob_checking, "5000.00", idempotency_key="k-2").pk == first.pk


def test_it_refuses_an_idempotency_key_reused_for_another_transfer(
    alice, alice_checking, bob_checking
):
    pay(alice, alice_checking, bob_checking, "40.00", idempotency_key="k-3")
    with pytest.raises(IdempotencyConflict):
        pay(alice, alice_checking, bob_checking, "41.00", idempotency_key="k-3")
    assert balance(alice_checking) == Decimal("960.00")


def test_idempotency_keys_belong_to_one_customer(alice, bob, alice_checking, bob_checking):
    pay(alice, alice_checking, bob_checking, "40.00", idempotency_key="shared")
    second = pay(bob, bob_checking, alice_checking, "10.00", idempotency_key="shared")
    assert second.is_completed
    assert second.customer == bob


# transaction=True: as in production, the service's transaction is the outermost one (it
# takes no savepoint, so a database error inside ends an enclosing transaction too).
@pytest.mark.django_db(transaction=True)
def test_a_failure_inside_the_transaction_writes_nothing(
    alice, alice_checking, bob_checking, monkeypatch
):
    # Both balances are already updated when the ledger rows fail to write.
    def database_fails(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(LedgerEntry.objects, "bulk_create", database_fails)
    with pytest.raises(DatabaseError):
        pay(alice, alice_checking, bob_checking, "40.00")
    monkeypatch.undo()

    assert balance(alice_checking) == Decimal("1000.00")
    assert not Transfer.objects.filter(customer=alice).exists()
    assert pay(alice, alice_checking, bob_checking, "40.00").is_completed  # a retry succeeds
    assert_ledger_consistent()


def test_the_factory_builds_a_consistent_transfer():
    from tests.factories import TransferFactory

    transfer = TransferFactory.create(amount=Decimal("12.34"))
    assert transfer.is_completed
    assert AccountFactory._meta.model.objects.get(pk=transfer.destination_id).balance == Decimal(
        "12.34"
    )
    assert_ledger_consistent()


def test_the_daily_limit_counts_the_utc_day_whatever_time_zone_pages_use(
    settings, alice, alice_checking, bob_checking
):
    # TIME_ZONE only words the pages; the limit's day, like a statement's month, is UTC.
    settings.TIME_ZONE = "America/New_York"
    settings.DAILY_TRANSFER_LIMIT = Decimal("300.00")
    evening = datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # yesterday in UTC, today in New York
    first = pay(alice, alice_checking, bob_checking, "300.00")
    Transfer.objects.filter(pk=first.pk).update(created_at=evening)

    with mock.patch("django.utils.timezone.now", return_value=evening + timedelta(hours=3)):
        assert pay(alice, alice_checking, bob_checking, "300.00").is_completed
