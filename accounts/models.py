"""Customers, their bank accounts, and the double-entry ledger that backs every balance."""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Customer(models.Model):
    """A bank customer, known by their identity provider's issuer and stable subject.

    OpenID Connect Core §5.7: only `iss` and `sub` together name a person; another
    issuer's `alice` is someone else. The bank's own records have the issuer "".
    """

    issuer = models.CharField("issuer (iss)", max_length=255)
    sub = models.CharField("subject (sub)", max_length=255)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The bank's gift on first sight. It may move between the customer's own accounts but
    # never to anyone else's (transfers.services), so new identities cannot mint money for
    # one another.
    welcome_deposit = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "sub"], name="customer_issuer_sub_unique")
        ]

    def __str__(self) -> str:
        return self.name or self.sub


# How an account number is written: ASCII digits. Anything else names no account, and is
# refused before it reaches a query (PostgreSQL rejects a NUL in text with an error).
ACCOUNT_NUMBER = re.compile(r"[0-9]{1,20}")


class Account(models.Model):
    class Kind(models.TextChoices):
        CHECKING = "checking", "Checking"
        SAVINGS = "savings", "Savings"
        # The bank's own settlement account: money enters and leaves the bank through it, so
        # it is the one account allowed below zero and the sum of all balances stays 0.
        CLEARING = "clearing", "Clearing (bank internal)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FROZEN = "frozen", "Frozen"
        CLOSED = "closed", "Closed"

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHECKING)
    currency = models.CharField(max_length=3, default="USD")
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["customer_id", "number"]
        constraints = [
            # The database itself refuses an overdrawn customer account, whatever the code does.
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(kind="clearing"),
                name="account_balance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class LedgerEntry(models.Model):
    """One side of a movement of money: a signed amount on one account, the balance it left,
    and the account on the other side. Both sides share a `reference` (a transfer's id, or
    a deposit's own), so the entries of one movement always add up to zero."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    counterparty = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    reference = models.UUIDField(db_index=True)
    memo = models.CharField(max_length=140, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["account", "reference"], name="one_entry_per_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account.number} {self.amount:+}"


class StepUpEvent(models.Model):
    """The security log the Security page shows: sign-ins, step-ups and token verdicts."""

    class Outcome(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        STEP_UP_PASSED = "step_up_passed", "Step-up passed"
        STEP_UP_REFUSED = "step_up_refused", "Step-up failed: not accepted by the bank"
        TOKEN_ACCEPTED = "token_accepted", "Transfer token accepted"
        TOKEN_REPLAYED = "token_replayed", "Blocked: a used transfer token was sent again"
        CHALLENGED = "challenged", "API asked for a fresh second factor"
        DECLINED = "declined", "Declined at the identity provider"

    sub = models.CharField(max_length=255, db_index=True)
    client_id = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.sub} {self.outcome}"
