"""Assertions about the whole ledger, shared by service, property and concurrency tests."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import Account, LedgerEntry


def assert_ledger_consistent() -> None:
    """Money is conserved, no customer is overdrawn, and every balance equals its ledger.

    Sums are taken in Python: SQLite adds decimals as floats.
    """
    totals: dict[int, Decimal] = {}
    for account_id, amount in LedgerEntry.objects.values_list("account_id", "amount"):
        totals[account_id] = totals.get(account_id, Decimal("0.00")) + amount
    balances = list(Account.objects.values_list("pk", "kind", "balance"))
    assert sum((balance for _, _, balance in balances), Decimal("0.00")) == 0
    for pk, kind, balance in balances:
        assert balance == totals.get(pk, Decimal("0.00")), f"account {pk} disagrees with its ledger"
        if kind != Account.Kind.CLEARING:
            assert balance >= 0, f"account {pk} is overdrawn"
