from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.errors import NotFound
from accounts.models import Account
from accounts.selectors import account_get, account_history, account_list, mask_name, payee_lookup
from tests.factories import AccountFactory, TransferFactory

pytestmark = pytest.mark.django_db


def test_account_list_shows_only_the_customers_own_accounts(
    alice, alice_checking, alice_savings, bob_checking
):
    assert list(account_list(customer=alice)) == [alice_checking, alice_savings]


def test_charlie_cannot_get_alices_account(charlie, alice_checking):
    with pytest.raises(NotFound):
        account_get(customer=charlie, number=alice_checking.number)


def test_account_get_returns_the_owners_account(alice, alice_checking):
    assert account_get(customer=alice, number="1000000011") == alice_checking


def test_history_is_newest_first_and_paginated(alice_checking, bob_checking):
    for cents in range(1, 6):
        TransferFactory.create(
            source=alice_checking, destination=bob_checking, amount=Decimal(cents)
        )

    first = account_history(account=alice_checking, page=1, per_page=4)
    second = account_history(account=alice_checking, page=2, per_page=4)

    assert [e.amount for e in first] == [Decimal(-5), Decimal(-4), Decimal(-3), Decimal(-2)]
    assert [e.amount for e in second] == [Decimal(-1), Decimal("1000.00")]  # opening deposit
    assert first.paginator.count == 6


def test_history_tolerates_a_bad_page_number(alice_checking):
    assert account_history(account=alice_checking, page="nonsense").number == 1


def test_payee_lookup_finds_open_customer_accounts_only(bob_checking):
    assert payee_lookup(number=bob_checking.number) == bob_checking
    Account.objects.filter(pk=bob_checking.pk).update(status=Account.Status.CLOSED)
    assert payee_lookup(number=bob_checking.number) is None
    assert payee_lookup(number="0000000000") is None


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Alice Ng", "Alice N."),
        ("Charlie van Haas", "Charlie H."),
        ("Cher", "C***"),
        ("", "Fabrikam customer"),
    ],
)
def test_mask_name_shows_just_enough_to_recognise_a_payee(name, masked):
    assert mask_name(name) == masked


def test_the_account_factory_funds_through_the_ledger():
    account = AccountFactory.create(balance=Decimal("75.00"))
    assert account.balance == Decimal("75.00")
    assert account.entries.get().amount == Decimal("75.00")
