"""The transfer form reads an amount the way a person does, as the API does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from transfers.forms import TransferForm

ACCOUNTS = [
    {
        "number": "1000000011",
        "kind": "checking",
        "currency": "USD",
        "balance": "5000.00",
        "status": "open",
    },
]


def form(amount: str) -> TransferForm:
    data = {
        "source": "1000000011",
        "destination": "1000000021",
        "amount": amount,
        "idempotency_key": "form-key-0001",
    }
    return TransferForm(data, accounts=ACCOUNTS)


@pytest.mark.parametrize("amount", ["12.50", "12.5", "12", " 7.00 ", "0.01"])
def test_it_accepts_plain_amounts(amount):
    bound = form(amount)

    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["amount"] == Decimal(amount.strip())


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("$1,000.00", "1000.00"),
        ("2,500.00", "2500.00"),
        (" $ 12.50 ", "12.50"),
        ("4,321.5", "4321.50"),
        ("$7", "7.00"),
    ],
)
def test_it_reads_amounts_as_the_site_writes_them(written, amount):
    bound = form(written)

    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["amount"] == Decimal(amount)


@pytest.mark.parametrize(
    "amount",
    ["1_000", "\uff11\uff10", "\u0661\u0660", "1e3", "1,00", "10,0000", "$$5", "+5", ".5", "1.005"],
)
def test_it_refuses_what_a_person_would_read_differently(amount):
    bound = form(amount)

    assert not bound.is_valid()
    assert "amount" in bound.errors


@pytest.mark.parametrize("destination", ["\u0661\u0660\u0660\u0660", "1000000021\x00", "abc"])
def test_it_refuses_a_payee_number_that_is_not_ascii_digits(destination):
    data = {
        "source": "1000000011",
        "destination": destination,
        "amount": "1.00",
        "idempotency_key": "form-key-0001",
    }
    bound = TransferForm(data, accounts=ACCOUNTS)

    assert not bound.is_valid()
    assert "destination" in bound.errors
