"""The one place balances change: two ledger entries and two balance updates per movement.

Callers lock both accounts (`select_for_update`, in primary-key order) inside a transaction
first, then check their rules, then call `money_post`: this module never decides whether a
movement is allowed, it only keeps the books true.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.db.models import F, QuerySet
from django.utils import timezone

from .models import Account, LedgerEntry


def accounts_lock(*, pks: list[int]) -> dict[int, Account]:
    """Lock the accounts in primary-key order, in one query, and return them by pk.

    One fixed order means two opposite movements can never wait on each other.
    """
    rows: QuerySet[Account] = Account.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    return {account.pk: account for account in rows}


def money_post(
    *,
    source: Account,
    destination: Account,
    amount: Decimal,
    memo: str,
    reference: uuid.UUID,
    created_at: datetime | None = None,
) -> None:
    """Move `amount` from `source` to `destination`; both rows must be locked by the caller."""
    created_at = created_at or timezone.now()
    _balance_move(source, -amount)
    _balance_move(destination, amount)
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                account=account,
                counterparty=other,
                reference=reference,
                memo=memo,
                amount=signed,
                balance_after=account.balance,
                created_at=created_at,
            )
            for account, signed, other in (
                (source, -amount, destination),
                (destination, amount, source),
            )
        ]
    )


def _balance_move(account: Account, signed: Decimal) -> None:
    # F() keeps the update right even if a caller forgot the lock; the lock keeps the
    # balance_after we record right.
    Account.objects.filter(pk=account.pk).update(balance=F("balance") + signed)
    account.balance += signed
