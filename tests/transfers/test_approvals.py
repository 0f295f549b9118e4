"""Transaction-bound approval (RFC 9396): a transfer at or above the threshold, or to a new
payee, moves money only with a token that approved exactly that payment."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from api_auth.models import SpentToken
from tests.factories import AccountFactory, TransferFactory
from tests.tokens import bearer
from transfers.models import Transfer

pytestmark = pytest.mark.django_db
KEY = "approval-key-0001"


@pytest.fixture(autouse=True)
def _approval_rules_on(api_settings):
    api_settings.TRANSACTION_APPROVAL_THRESHOLD = Decimal("1000.00")
    api_settings.TRANSACTION_APPROVAL_FOR_NEW_PAYEES = True


@pytest.fixture
def rich_alice(alice):
    return AccountFactory(customer=alice, number="1000000011", balance=Decimal("5000.00"))


def payment(source, destination, amount="2500.00"):
    return {"source": source.number, "destination": destination.number, "amount": amount}


def approval(payer, payee, amount="2500.00", **changes):
    details = {
        "type": "fabrikam_transfer",
        "amount": amount,
        "currency": "USD",
        "source": payer.number,
        "source_name": "Checking",
        "destination": payee.number,
        "payee": "Bob O.",
        "idempotency_key": KEY,
        "memo": "",
    }
    return [{**details, **changes}]


def post(client, token, body, key=KEY):
    return client.post(
        "/api/transfers",
        data=json.dumps(body),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": key},
    )


def balance(account) -> Decimal:
    account.refresh_from_db()
    return account.balance


def test_a_plain_token_above_the_threshold_is_told_what_to_ask_for(
    client, transfer_token, rich_alice, bob_checking
):
    token = transfer_token()
    response = post(client, token, payment(rich_alice, bob_checking))

    assert response.status_code == 403
    challenge = response["WWW-Authenticate"]
    assert 'error="insufficient_authorization_details"' in challenge
    assert 'authorization_details_types="fabrikam_transfer"' in challenge
    (asked,) = response.json()["authorization_details"]
    assert asked == {
        "type": "fabrikam_transfer",
        "amount": "2500.00",
        "currency": "USD",
        "source": rich_alice.number,
        "destination": bob_checking.number,
        "idempotency_key": KEY,
        "memo": "",
    }
    assert balance(rich_alice) == Decimal("5000.00")
    assert not SpentToken.objects.exists()  # the customer can still use it below the bar


def test_a_matching_approval_moves_money_once(client, transfer_token, rich_alice, bob_checking):
    token = transfer_token(authorization_details=approval(rich_alice, bob_checking))

    first = post(client, token, payment(rich_alice, bob_checking))
    retry = post(client, token, payment(rich_alice, bob_checking))
    replay = post(client, token, payment(rich_alice, bob_checking, "2400.00"), key="other-0001")

    assert first.status_code == 201
    assert retry.status_code == 201 and retry.json() == first.json()  # the first answer
    assert replay.status_code == 401
    assert balance(rich_alice) == Decimal("2500.00")
    assert Transfer.objects.filter(customer=rich_alice.customer).count() == 1


@pytest.mark.parametrize(
    ("field", "change", "request_change"),
    [
        ("amount", {}, {"amount": "2600.00"}),
        ("amount", {"amount": "25.00"}, {}),
        ("currency", {"currency": "EUR"}, {}),
        ("source", {"source": "1000000012"}, {}),
        ("destination", {"destination": "1000000031"}, {}),
        ("idempotency_key", {"idempotency_key": "another-key-01"}, {}),
        # What the red team did: approve $3.00, then spend the token with a memo the
        # customer never saw (the payee reads it).
        ("memo", {}, {"memo": "Refund: call +1 555 0100"}),
        ("memo", {"memo": "Rent"}, {"memo": "Rent and more"}),
        ("memo", {"memo": "Rent"}, {}),
    ],
)
def test_a_payment_that_differs_from_the_approval_in_any_field_is_refused(
    client, transfer_token, rich_alice, bob_checking, field, change, request_change
):
    token = transfer_token(authorization_details=approval(rich_alice, bob_checking, **change))

    response = post(client, token, {**payment(rich_alice, bob_checking), **request_change})

    assert response.status_code == 403
    assert response.json()["field"] == field
    assert field in response.json()["detail"]
    assert balance(rich_alice) == Decimal("5000.00")
    assert not Transfer.objects.filter(customer=rich_alice.customer).exists()
    assert not SpentToken.objects.exists()


def test_an_approval_is_for_that_payment_even_below_the_threshold(
    client, transfer_token, rich_alice, bob_checking
):
    TransferFactory(source=rich_alice, destination=bob_checking, amount=Decimal("1.00"))
    token = transfer_token(authorization_details=approval(rich_alice, bob_checking))

    small = post(client, token, payment(rich_alice, bob_checking, "10.00"))

    assert small.status_code == 403
    assert small.json()["field"] == "amount"


def test_an_approval_for_another_customers_account_moves_nothing(
    client, transfer_token, rich_alice, bob_checking, alice_savings
):
    # Alice's token, approving a payment from Bob's account: the source is not hers.
    details = approval(bob_checking, rich_alice)
    token = transfer_token(authorization_details=details)

    response = post(client, token, payment(bob_checking, rich_alice))

    assert response.status_code == 422
    assert response.json()["field"] == "source"
    assert balance(bob_checking) == Decimal("200.00")


def test_a_new_payee_needs_an_approval_even_for_a_small_amount(
    client, transfer_token, rich_alice, bob_checking
):
    response = post(client, transfer_token(), payment(rich_alice, bob_checking, "10.00"))
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_authorization_details"


def test_a_small_payment_to_a_known_payee_needs_no_approval(
    client, transfer_token, rich_alice, bob_checking
):
    TransferFactory(source=rich_alice, destination=bob_checking, amount=Decimal("1.00"))
    response = post(client, transfer_token(), payment(rich_alice, bob_checking, "10.00"))
    assert response.status_code == 201


def test_moving_money_between_own_accounts_is_never_paying_a_stranger(
    client, transfer_token, rich_alice
):
    savings = AccountFactory(customer=rich_alice.customer, kind="savings", number="1000000012")
    response = post(client, transfer_token(), payment(rich_alice, savings, "100.50"))

    assert response.status_code == 201, response.json()
    assert balance(savings) == Decimal("100.50")


def test_a_large_amount_between_own_accounts_still_needs_an_approval(
    client, transfer_token, rich_alice
):
    savings = AccountFactory(customer=rich_alice.customer, kind="savings", number="1000000012")
    response = post(client, transfer_token(), payment(rich_alice, savings, "2500.00"))

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_authorization_details"


def test_a_respelled_approval_token_is_refused(client, transfer_token, rich_alice, bob_checking):
    token = transfer_token(authorization_details=approval(rich_alice, bob_checking))
    assert post(client, token, payment(rich_alice, bob_checking)).status_code == 201
    head, claims, signature = token.split(".")
    assert (
        post(client, f"{head}.{claims}.{signature}=", payment(rich_alice, bob_checking)).status_code
        == 401
    )
