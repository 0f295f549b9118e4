"""Transfers between accounts: every attempt, completed or declined, with its reason."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Transfer(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"

    class DeclineReason(models.TextChoices):
        INSUFFICIENT_FUNDS = "insufficient_funds", "Insufficient funds"
        TRANSFER_LIMIT_EXCEEDED = "transfer_limit_exceeded", "Over the per-transfer limit"
        DAILY_LIMIT_EXCEEDED = "daily_limit_exceeded", "Over the daily limit"
        ACCOUNT_NOT_OPEN = "account_not_open", "An account is frozen or closed"
        UNKNOWN_PAYEE = "unknown_payee", "No account with that number"
        WELCOME_MONEY = "welcome_money", "Welcome money can only move between your own accounts"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "accounts.Customer", on_delete=models.PROTECT, related_name="transfers"
    )
    source = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="outgoing_transfers"
    )
    # Null only for a declined transfer to an account number that does not exist.
    destination = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        null=True,
        blank=True,
    )
    destination_number = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    memo = models.CharField(max_length=140, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    decline_reason = models.CharField(max_length=30, choices=DeclineReason.choices, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="one_transfer_per_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
        ]
        # What `services._history` asks under the customer's lock, each answered from an
        # index however long the customer's history grows: today's completed total (a range
        # from midnight), and whether this payee was ever paid (one probe).
        indexes = [
            models.Index(fields=["customer", "status", "created_at"], name="transfer_day_total"),
            models.Index(
                fields=["customer", "destination_number"],
                condition=Q(status="completed"),
                name="transfer_paid_before",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.source.number} -> {self.destination_number} ({self.status})"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED

    def same_request(self, *, source: str, destination: str, amount, memo: str) -> bool:
        """Is this the transfer that was asked for (an idempotent retry), field by field?"""
        return (self.source.number, self.destination_number, self.amount, self.memo) == (
            source,
            destination,
            amount,
            memo,
        )
