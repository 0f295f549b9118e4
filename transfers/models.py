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
    # SHA-256 of the request's content, so a key reused for a different transfer is refused.
    request_fingerprint = models.CharField(max_length=64, blank=True)
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

    def __str__(self) -> str:
        return f"{self.amount} {self.source.number} -> {self.destination_number} ({self.status})"

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class ConsumedToken(models.Model):
    """A `transfer:funds` access token that has been spent, recorded with its transfer.

    Keyed by the token's `jti`, or by a SHA-256 of the token when the provider omits `jti`
    (Auth0's default profile). The unique key is what makes a token single-use, even for
    two requests racing each other. The response is kept so an exact retry gets it again.
    """

    key = models.CharField(max_length=100, unique=True)
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="tokens")
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"token {self.key[:12]}… for transfer {self.transfer_id}"


class StepUpEvent(models.Model):
    """The security log the Security page shows: sign-ins, step-ups and refused replays."""

    class Outcome(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        STEP_UP_PASSED = "step_up_passed", "Step-up passed"
        STEP_UP_REFUSED = "step_up_refused", "Step-up refused"
        TOKEN_ACCEPTED = "token_accepted", "Transfer token accepted"
        TOKEN_REPLAYED = "token_replayed", "Token replay refused"
        CHALLENGED = "challenged", "API asked for a fresh second factor"

    sub = models.CharField(max_length=255, db_index=True)
    client_id = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.sub} {self.outcome}"
