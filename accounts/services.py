"""Writes for customers and accounts: provisioning a new customer and opening accounts."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import Account, Customer

BANK_SUB = "fabrikam|bank"
CLEARING_NUMBER = "9000000001"


def clearing_account() -> Account:
    """The bank's settlement account, created on first use."""
    bank, _ = Customer.objects.get_or_create(sub=BANK_SUB, defaults={"name": "Fabrikam Bank"})
    account, _ = Account.objects.get_or_create(
        number=CLEARING_NUMBER,
        defaults={"customer": bank, "kind": Account.Kind.CLEARING, "currency": settings.CURRENCY},
    )
    return account


def _new_account_number() -> str:
    while True:
        number = f"1{secrets.randbelow(10**9):09d}"
        if not Account.objects.filter(number=number).exists():
            return number


def account_open(
    *,
    customer: Customer,
    kind: str,
    number: str | None = None,
    opening_deposit: Decimal = Decimal("0.00"),
    memo: str = "Opening deposit",
) -> Account:
    """Open an account; an opening deposit is a real transfer from the clearing account."""
    from transfers.services import transfer_create  # transfers builds on accounts

    account = Account.objects.create(
        customer=customer,
        kind=kind,
        number=number or _new_account_number(),
        currency=settings.CURRENCY,
    )
    if opening_deposit > 0:
        bank = clearing_account()
        transfer_create(
            customer=bank.customer,
            source_number=bank.number,
            destination_number=account.number,
            amount=opening_deposit,
            memo=memo,
            enforce_limits=False,
        )
        account.refresh_from_db()
    return account


def customer_provision(*, sub: str, name: str = "", email: str = "") -> Customer:
    """Return the customer for `sub`, creating them with default accounts on first sight.

    Called by the API for every authenticated request, so the common path is one SELECT.
    """
    customer = Customer.objects.filter(sub=sub).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            customer = Customer.objects.create(sub=sub, name=name, email=email)
            account_open(
                customer=customer,
                kind=Account.Kind.CHECKING,
                opening_deposit=settings.WELCOME_DEPOSIT,
                memo="Welcome to Fabrikam",
            )
            account_open(customer=customer, kind=Account.Kind.SAVINGS)
    except IntegrityError:
        # Two first requests raced; the other one provisioned the customer.
        return Customer.objects.get(sub=sub)
    return customer
