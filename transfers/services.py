"""Moving money: the one service that writes transfers, ledger entries and balances."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Account, Customer, LedgerEntry
from fabrikam.errors import IdempotencyConflict, TransferInvalid

from .models import Transfer

MAX_AMOUNT = Decimal("999999999999.99")  # what the ledger's columns can hold
MEMO_MAX_LENGTH = 140
Decline = Transfer.DeclineReason


def parse_amount(value: object) -> Decimal:
    """A positive amount with at most two decimal places, or `TransferInvalid`.

    Floats are refused: 0.1 + 0.2 is not money.
    """
    if isinstance(value, float | bool):
        raise TransferInvalid('Send the amount as a decimal string, e.g. "12.50".', field="amount")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise TransferInvalid("Enter an amount such as 12.50.", field="amount") from None
    if not amount.is_finite():
        raise TransferInvalid("Enter an amount such as 12.50.", field="amount")
    if amount <= 0:
        raise TransferInvalid("The amount must be more than zero.", field="amount")
    if amount.as_tuple().exponent < -2:
        raise TransferInvalid("Use at most two decimal places.", field="amount")
    if amount > MAX_AMOUNT:
        raise TransferInvalid("That amount is too large.", field="amount")
    return amount.quantize(Decimal("0.01"))


def _fingerprint(source: str, destination: str, amount: Decimal, memo: str) -> str:
    content = "\x1f".join([source, destination, f"{amount:.2f}", memo])
    return hashlib.sha256(content.encode()).hexdigest()


def _transfer_for_key(customer: Customer, key: str, fingerprint: str) -> Transfer | None:
    existing = Transfer.objects.filter(customer=customer, idempotency_key=key).first()
    if existing is not None and existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different transfer.",
            field="idempotency_key",
        )
    return existing


def _spent_today(customer: Customer) -> Decimal:
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    total = Transfer.objects.filter(
        customer=customer, status=Transfer.Status.COMPLETED, created_at__gte=midnight
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def _decline_reason(
    customer: Customer, source: Account, destination: Account | None, amount: Decimal, limits: bool
) -> str:
    if destination is None:
        return Decline.UNKNOWN_PAYEE
    if not (source.is_open and destination.is_open):
        return Decline.ACCOUNT_NOT_OPEN
    if limits and amount > settings.TRANSFER_LIMIT:
        return Decline.TRANSFER_LIMIT_EXCEEDED
    if limits and _spent_today(customer) + amount > settings.DAILY_TRANSFER_LIMIT:
        return Decline.DAILY_LIMIT_EXCEEDED
    if source.kind != Account.Kind.CLEARING and source.balance < amount:
        return Decline.INSUFFICIENT_FUNDS
    return ""


def _post(transfer: Transfer, account: Account, amount: Decimal) -> None:
    account.balance += amount
    account.save(update_fields=["balance"])
    LedgerEntry.objects.create(
        account=account,
        transfer=transfer,
        amount=amount,
        balance_after=account.balance,
        created_at=transfer.created_at,
    )


def transfer_create(
    *,
    customer: Customer,
    source_number: str,
    destination_number: str,
    amount: object,
    memo: str = "",
    idempotency_key: str | None = None,
    enforce_limits: bool = True,
    within_transaction: Callable[[Transfer], None] | None = None,
) -> Transfer:
    """Move `amount` from one of the customer's accounts to any open account.

    Returns the transfer, completed or declined (a decline is recorded with its reason).
    Raises `TransferInvalid` for a malformed request (nothing is recorded) and
    `IdempotencyConflict` when the key was used for a different transfer. A repeated key
    returns the first transfer and moves no money. `within_transaction` runs inside the
    same database transaction once the transfer row exists (the API consumes its
    single-use token there), and is not called for an idempotent replay.
    """
    amount = parse_amount(amount)
    memo = (memo or "").strip()
    source_number, destination_number = source_number.strip(), destination_number.strip()
    if len(memo) > MEMO_MAX_LENGTH:
        raise TransferInvalid(f"Keep the memo under {MEMO_MAX_LENGTH} characters.", field="memo")
    if source_number == destination_number:
        raise TransferInvalid("Choose two different accounts.", field="destination")
    fingerprint = _fingerprint(source_number, destination_number, amount, memo)
    if idempotency_key and (existing := _transfer_for_key(customer, idempotency_key, fingerprint)):
        return existing

    source = Account.objects.filter(customer=customer, number=source_number).first()
    if source is None:
        raise TransferInvalid("That is not one of your accounts.", field="source")
    destination = (
        Account.objects.exclude(kind=Account.Kind.CLEARING)
        .filter(number=destination_number)
        .first()
    )
    try:
        with transaction.atomic():
            # Lock the customer first (it serialises the daily-limit check), then both accounts
            # in primary-key order, so two opposite transfers can never wait on each other.
            Customer.objects.select_for_update().get(pk=customer.pk)
            locked = {
                account.pk: Account.objects.select_for_update().get(pk=account.pk)
                for account in sorted(filter(None, [source, destination]), key=lambda a: a.pk)
            }
            source = locked[source.pk]
            destination = locked.get(destination.pk) if destination else None
            if idempotency_key and (
                existing := _transfer_for_key(customer, idempotency_key, fingerprint)
            ):
                return existing  # the same request committed while we waited for the locks

            reason = _decline_reason(customer, source, destination, amount, enforce_limits)
            transfer = Transfer.objects.create(
                customer=customer,
                source=source,
                destination=destination,
                destination_number=destination_number,
                amount=amount,
                memo=memo,
                status=Transfer.Status.DECLINED if reason else Transfer.Status.COMPLETED,
                decline_reason=reason,
                idempotency_key=idempotency_key or "",
                request_fingerprint=fingerprint,
            )
            if not reason:
                _post(transfer, source, -amount)
                _post(transfer, destination, amount)
            if within_transaction is not None:
                within_transaction(transfer)
            return transfer
    except IntegrityError:
        # Only the idempotency constraint can race here; anything else is a real fault.
        if idempotency_key and (
            existing := _transfer_for_key(customer, idempotency_key, fingerprint)
        ):
            return existing
        raise
