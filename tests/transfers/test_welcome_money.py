"""Welcome money: the bank's gift to a new identity stays in that customer's own accounts,
so fresh sign-ups cannot pool it into someone else's; and only so many gifts an hour."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account, Customer
from accounts.services import customer_provision, deposit_make
from tests.ledger import assert_ledger_consistent
from tests.tokens import bearer
from transfers.models import Transfer
from transfers.services import transfer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(settings):
    """A customer seen for the first time: checking with the welcome deposit, and savings."""
    settings.WELCOME_DEPOSIT = Decimal("1000.00")
    return customer_provision(sub="test|newcomer", name="Nell Newcomer")


def accounts_of(customer: Customer) -> tuple[Account, Account]:
    return (
        customer.accounts.get(kind=Account.Kind.CHECKING),
        customer.accounts.get(kind=Account.Kind.SAVINGS),
    )


def pay(customer, source, destination, amount):
    return transfer_create(
        customer=customer,
        source_number=source.number,
        destination_number=destination.number,
        amount=amount,
        approved=True,  # the approval rule (tests/transfers/test_approvals.py) is not this one
    )


def test_a_fresh_customer_cannot_send_the_welcome_deposit_to_another_customer(
    newcomer, bob_checking
):
    checking, _ = accounts_of(newcomer)

    transfer = pay(newcomer, checking, bob_checking, "10.00")

    assert transfer.status == Transfer.Status.DECLINED
    assert transfer.decline_reason == "welcome_money"
    checking.refresh_from_db()
    bob_checking.refresh_from_db()
    assert (checking.balance, bob_checking.balance) == (Decimal("1000.00"), Decimal("200.00"))
    assert_ledger_consistent()


def test_two_sign_ups_cannot_pool_their_welcome_money(settings):
    settings.WELCOME_DEPOSIT = Decimal("1000.00")
    first, second = (customer_provision(sub=f"test|sybil-{n}") for n in (1, 2))

    transfer = pay(first, accounts_of(first)[0], accounts_of(second)[0], "1000.00")

    assert transfer.decline_reason == "welcome_money"
    assert accounts_of(second)[0].balance == Decimal("1000.00")


def test_a_fresh_customer_can_move_the_welcome_deposit_to_their_own_savings(newcomer):
    checking, savings = accounts_of(newcomer)

    transfer = pay(newcomer, checking, savings, "1000.00")

    assert transfer.is_completed
    savings.refresh_from_db()
    assert savings.balance == Decimal("1000.00")
    back = pay(newcomer, savings, checking, "250.00")
    assert back.is_completed


def test_money_received_beyond_the_welcome_deposit_can_be_sent_on(newcomer, bob, bob_checking):
    checking, savings = accounts_of(newcomer)
    assert pay(bob, bob_checking, savings, "50.00").is_completed  # real money, into savings

    assert pay(newcomer, checking, bob_checking, "50.01").decline_reason == "welcome_money"
    assert pay(newcomer, checking, bob_checking, "50.00").is_completed
    deposit_make(account=checking, amount=Decimal("20.00"), memo="Cash deposit")
    assert pay(newcomer, checking, bob_checking, "20.00").is_completed
    assert pay(newcomer, checking, bob_checking, "0.01").decline_reason == "welcome_money"
    assert_ledger_consistent()


def test_the_api_declines_it_with_a_clear_message(client, transfer_token, newcomer, bob_checking):
    checking, _ = accounts_of(newcomer)

    response = client.post(
        "/api/transfers",
        data=json.dumps(
            {"source": checking.number, "destination": bob_checking.number, "amount": "5.00"}
        ),
        content_type="application/json",
        headers={**bearer(transfer_token(sub="test|newcomer")), "Idempotency-Key": "welcome-1"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "welcome_money"
    assert body["detail"] == (
        "The transfer was declined: welcome money can only move between your own accounts."
    )


def test_only_so_many_welcome_deposits_are_given_an_hour(settings):
    settings.WELCOME_DEPOSIT = Decimal("1000.00")
    settings.WELCOME_DEPOSITS_PER_HOUR = 2
    old = customer_provision(sub="test|last-week")
    Customer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))

    given = [customer_provision(sub=f"test|signup-{n}") for n in range(3)]

    assert [c.welcome_deposit for c in given] == [Decimal("1000.00")] * 2 + [Decimal("0.00")]
    assert accounts_of(given[2])[0].balance == Decimal("0.00")
    assert_ledger_consistent()


def test_the_account_list_says_what_each_account_can_send_to_others(
    client, mint_token, newcomer, bob
):
    checking, _savings = accounts_of(newcomer)
    deposit_make(account=checking, amount=Decimal("250.00"), memo="Pocket money")
    token = mint_token(sub=newcomer.sub)

    answer = client.get("/api/accounts", headers=bearer(token)).json()["accounts"]

    free = {a["kind"]: a["available_to_others"] for a in answer}
    assert free == {"checking": "250.00", "savings": "0.00"}  # the welcome 1,000.00 stays


def test_the_transfer_form_applies_the_rule_before_any_approval():
    from transfers.forms import TransferForm

    accounts = [
        {"number": "1000000091", "kind": "checking", "currency": "USD", "status": "open",
         "balance": "1250.00", "available_to_others": "250.00"},
        {"number": "1000000092", "kind": "savings", "currency": "USD", "status": "open",
         "balance": "0.00", "available_to_others": "0.00"},
    ]  # fmt: skip

    def form(destination, amount):
        data = {"source": "1000000091", "destination": destination, "amount": amount,
                "idempotency_key": "welcome-form-0001"}  # fmt: skip
        return TransferForm(data, accounts=accounts)

    to_bob = form("1000000021", "300.00")
    assert not to_bob.is_valid()
    assert "up to $250.00 from this account to others" in to_bob.errors["amount"][0]
    assert form("1000000021", "250.00").is_valid()
    assert form("1000000092", "1200.00").is_valid()  # between her own accounts: fine
    assert "Available to send to others: checking $250.00" in to_bob.fields["source"].help_text
