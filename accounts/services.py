"""Writes for customers and accounts: provisioning a new customer, opening accounts, and
the bank's own deposits into them."""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .ledger import accounts_lock, money_post
from .models import Account, Customer

# Subjects under this prefix are the bank's own customer records (its clearing account, the
# demo's businesses); no access token may act as one (`decorators.customer_required`).
BANK_SUB_PREFIX = "fabrikam|"
BANK_SUB = f"{BANK_SUB_PREFIX}bank"
# The bank's own records vouch for themselves: no identity provider issued them.
BANK_ISSUER = ""

log = logging.getLogger("accounts")
CLEARING_NUMBER = "9000000001"


def clearing_account() -> Account:
    """The bank's settlement account, created on first use."""
    bank, _ = Customer.objects.get_or_create(
        issuer=BANK_ISSUER, sub=BANK_SUB, defaults={"name": "Fabrikam Bank"}
    )
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


@transaction.atomic
def deposit_make(*, account: Account, amount: Decimal, memo: str) -> None:
    """The bank pays `amount` into `account` from its clearing account."""
    bank = clearing_account()
    locked = accounts_lock(pks=[bank.pk, account.pk])
    money_post(
        source=locked[bank.pk],
        destination=locked[account.pk],
        amount=amount,
        memo=memo,
        reference=uuid.uuid4(),
    )
    account.refresh_from_db(fields=["balance"])


def account_open(
    *,
    customer: Customer,
    kind: str,
    number: str | None = None,
    opening_deposit: Decimal = Decimal("0.00"),
    memo: str = "Opening deposit",
) -> Account:
    """Open an account; an opening deposit is a real movement from the clearing account."""
    account = Account.objects.create(
        customer=customer,
        kind=kind,
        number=number or _new_account_number(),
        currency=settings.CURRENCY,
    )
    if opening_deposit > 0:
        deposit_make(account=account, amount=opening_deposit, memo=memo)
    return account


def customer_provision(
    *, sub: str, issuer: str | None = None, name: str = "", email: str = ""
) -> Customer:
    """Return the customer `issuer` knows as `sub`, creating them with default accounts on
    first sight. Another issuer's same `sub` is another person (OIDC Core §5.7). `issuer`
    defaults to the one the API trusts (API_ISSUER): for scripts and seeds, never tokens.

    Called by the API for every authenticated request, so the common path is one SELECT.
    """
    issuer = (settings.API_ISSUER or "") if issuer is None else issuer
    customer = Customer.objects.filter(issuer=issuer, sub=sub).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            welcome = _welcome_deposit()
            customer = Customer.objects.create(
                issuer=issuer, sub=sub, name=name, email=email, welcome_deposit=welcome
            )
            account_open(
                customer=customer,
                kind=Account.Kind.CHECKING,
                opening_deposit=welcome,
                memo="Welcome to Fabrikam",
            )
            account_open(customer=customer, kind=Account.Kind.SAVINGS)
    except IntegrityError:
        # Two first requests raced; the other one provisioned the customer.
        return Customer.objects.get(issuer=issuer, sub=sub)
    return customer


def customer_identify(*, issuer: str, sub: str, name: str = "", email: str = "") -> Customer:
    """Provision or refresh the customer from the web sign-in's ID token.

    The API learns the customer from access tokens, which carry no `name`; the ID token
    does. So the web sign-in is where a new customer's name reaches the bank (payers see it,
    masked, before paying) and where a changed name or email is picked up. An empty claim
    (a scope not granted) never erases what the bank already knows.
    """
    customer = customer_provision(issuer=issuer, sub=sub, name=name, email=email)
    changed = {
        field: value
        for field, value in (("name", name), ("email", email))
        if value and getattr(customer, field) != value
    }
    if changed:
        Customer.objects.filter(pk=customer.pk).update(**changed)
        for field, value in changed.items():
            setattr(customer, field, value)
    return customer


def _welcome_deposit() -> Decimal:
    """WELCOME_DEPOSIT, or nothing once WELCOME_DEPOSITS_PER_HOUR new customers had one in
    the last hour: a flood of sign-ups gets accounts, not money. Locking the clearing
    account (every deposit locks it anyway) makes concurrent sign-ups count one at a time."""
    accounts_lock(pks=[clearing_account().pk])
    since = timezone.now() - timedelta(hours=1)
    given = Customer.objects.filter(welcome_deposit__gt=0, created_at__gte=since).count()
    if given >= settings.WELCOME_DEPOSITS_PER_HOUR:
        log.warning("accounts.welcome_deposit_withheld given_last_hour=%s", given)
        return Decimal("0.00")
    return settings.WELCOME_DEPOSIT
