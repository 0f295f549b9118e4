"""Does a transfer slow down as the customer's history grows? (`make bench`, section 5.)

Seeds two customers once per database, with 1,000 and 100,000 ledger rows of history (half
as many completed transfers, spread over the past two years, between their own two
accounts, balances kept true), then times, in interleaved rounds, the history read a
transfer makes under its lock (`transfers.services._history`) and a whole transfer
(`transfer_create`) for each, and prints the ratios big / small. Also EXPLAINs the history
read on the big customer. Figures, not a test.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

SIZES = (1_000, 100_000)  # ledger rows: two per completed transfer
NEVER_PAID = "9999999999"  # a payee number no seeded transfer went to: EXISTS finds nothing


def seed(ledger_rows: int):
    """The customer with `ledger_rows` rows of history (created on the first run only)."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from accounts.models import Account, Customer, LedgerEntry
    from accounts.services import customer_provision, deposit_make
    from transfers.models import Transfer

    sub = f"bench|history-{ledger_rows}"
    existing = Customer.objects.filter(sub=sub).first()
    if existing is not None:
        return existing
    customer = customer_provision(sub=sub, name=f"History {ledger_rows}")
    checking = Account.objects.get(customer=customer, kind=Account.Kind.CHECKING)
    savings = Account.objects.get(customer=customer, kind=Account.Kind.SAVINGS)
    count, amount = ledger_rows // 2, Decimal("0.01")
    deposit_make(account=checking, amount=Decimal("1000000.00"), memo="Bench funds")
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, 5000):
            transfers, entries = [], []
            for index in range(start, min(start + 5000, count)):
                # Spread over the two years before today: none of it counts as spent today.
                created = now - timedelta(days=1, minutes=index * 2 * 365 * 24 * 60 // count)
                transfer = Transfer(
                    customer=customer,
                    source=checking,
                    destination=savings,
                    destination_number=savings.number,
                    amount=amount,
                    status=Transfer.Status.COMPLETED,
                    created_at=created,
                )
                transfers.append(transfer)
                for account, signed, other in (
                    (checking, -amount, savings),
                    (savings, amount, checking),
                ):
                    entries.append(
                        LedgerEntry(
                            account=account,
                            counterparty=other,
                            reference=transfer.pk,
                            amount=signed,
                            balance_after=account.balance,
                            created_at=created,
                        )
                    )
            Transfer.objects.bulk_create(transfers)
            LedgerEntry.objects.bulk_create(entries)
        Account.objects.filter(pk=checking.pk).update(balance=F("balance") - amount * count)
        Account.objects.filter(pk=savings.pk).update(balance=F("balance") + amount * count)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE transfers_transfer")
    return customer


def _per_call(function: Callable[[], object], calls: int) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - began) / calls * 1000  # ms


def _interleaved(small: Callable, big: Callable, *, rounds: int, calls: int) -> dict:
    """Per-call ms of each, alternating small/big every round; median and each round's ratio."""
    times: dict[str, list[float]] = {"small": [], "big": []}
    for index in range(rounds):
        order = (("small", small), ("big", big))
        for name, function in order if index % 2 == 0 else reversed(order):
            times[name].append(_per_call(function, calls))
    ratios = [b / s for s, b in zip(times["small"], times["big"], strict=True)]
    return {
        "small": statistics.median(times["small"]),
        "big": statistics.median(times["big"]),
        "ratio": statistics.median(ratios),
        "low": min(ratios),
        "high": max(ratios),
    }


def measure(*, rounds: int = 5, calls: int = 100) -> dict:
    """History read and whole transfer, small vs big history: figures and the EXPLAIN."""
    from django.db import connection

    from accounts.models import Account
    from transfers.services import _history, transfer_create

    small, big = (seed(rows) for rows in SIZES)

    def history(customer) -> Callable[[], object]:
        return lambda: _history(customer, NEVER_PAID)  # one statement, one round trip

    def transfer(customer) -> Callable[[], object]:
        accounts = list(Account.objects.filter(customer=customer).order_by("pk"))
        source, destination = accounts[0], accounts[1]

        def send() -> object:
            return transfer_create(
                customer=customer,
                source_number=source.number,
                destination_number=destination.number,
                amount="0.01",
                idempotency_key=str(uuid.uuid4()),
                approved=True,
            )

        return send

    def executed(customer) -> Callable[[], object]:
        # The database's own time for the statement (EXPLAIN ANALYZE's "Execution Time"):
        # what the index changes, without the round trip and the scheduling noise of a
        # shared machine. Stored per call; _interleaved times the calls themselves.
        sql, _ = _history_sql(customer)

        def run() -> float:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            database_ms[customer.pk].append(plan[0]["Execution Time"])
            return plan

        return run

    database_ms: dict[int, list[float]] = {small.pk: [], big.pk: []}
    _interleaved(executed(small), executed(big), rounds=rounds, calls=calls)
    # Median of each round's median, paired by round as the wall-clock figures are.
    per_round = {
        pk: [statistics.median(values[i * calls : (i + 1) * calls]) for i in range(rounds)]
        for pk, values in database_ms.items()
    }
    ratios = [b / s for s, b in zip(per_round[small.pk], per_round[big.pk], strict=True)]
    database = {
        "small": statistics.median(per_round[small.pk]),
        "big": statistics.median(per_round[big.pk]),
        "ratio": statistics.median(ratios),
        "low": min(ratios),
        "high": max(ratios),
    }
    reads = _interleaved(history(small), history(big), rounds=rounds, calls=calls)
    whole = _interleaved(transfer(small), transfer(big), rounds=rounds, calls=max(10, calls // 5))
    with connection.cursor() as cursor:
        sql, params = _history_sql(big)
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    return {"database": database, "history": reads, "transfer": whole, "explain": plan}


def _history_sql(customer) -> tuple[str, tuple]:
    """The SQL `_history` sends, captured from one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transfers.services import _history

    with CaptureQueriesContext(connection) as queries:
        _history(customer, NEVER_PAID)
    return queries.captured_queries[-1]["sql"], ()  # the logged SQL has its values inlined
