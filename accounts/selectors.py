"""Reads for accounts and their ledger, always scoped to the owning customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from .errors import NotFound
from .models import ACCOUNT_NUMBER, Account, Customer, LedgerEntry, StepUpEvent

HISTORY_PAGE_SIZE = 20
EVENTS_SHOWN = 50


def account_list(*, customer: Customer) -> QuerySet[Account]:
    return Account.objects.filter(customer=customer).order_by("kind", "number")


def free_of_welcome_money(*, customer: Customer) -> Decimal:
    """What the customer may send to someone else, over all their accounts: whatever they
    hold beyond their welcome deposit, which stays with them (the transfer service applies
    the same rule under its locks)."""
    held = sum((a.balance for a in account_list(customer=customer)), Decimal("0.00"))
    return max(Decimal("0.00"), held - customer.welcome_deposit)


def account_get(*, customer: Customer, number: str) -> Account:
    """One of the customer's accounts; another customer's number is simply not found."""
    if not ACCOUNT_NUMBER.fullmatch(number):
        raise NotFound("No such account.")
    try:
        return Account.objects.get(customer=customer, number=number)
    except Account.DoesNotExist:
        raise NotFound("No such account.") from None


def account_history(
    *, account: Account, page: int | str = 1, per_page: int = HISTORY_PAGE_SIZE
) -> Page:
    """A page of the account's ledger, newest first, with each entry's counterparty."""
    entries = (
        LedgerEntry.objects.filter(account=account)
        .select_related("counterparty__customer")
        .order_by("-created_at", "-id")
    )
    return Paginator(entries, per_page).get_page(page)


@dataclass(frozen=True)
class Statement:
    """One calendar month (UTC) of an account: opening + money in - money out = closing."""

    account: Account
    month: date  # the first day of the month
    opening_balance: Decimal
    entries: list[LedgerEntry]  # oldest first, as a statement reads
    total_in: Decimal
    total_out: Decimal  # positive: the sum of the money that left
    closing_balance: Decimal
    has_earlier: bool  # is there activity before this month (a previous statement)?


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def account_statement(*, account: Account, month: date) -> Statement:
    """The account's statement for `month`, read from the ledger's running balances."""
    start, end = month_start(month), month_start(next_month(month))
    ledger = LedgerEntry.objects.filter(account=account)
    # Each entry records the balance it left, so the opening balance is simply the last
    # balance before the month: no need to add up the account's whole history.
    before = ledger.filter(created_at__lt=start).order_by("-created_at", "-id").first()
    opening = before.balance_after if before else Decimal("0.00")
    entries = list(
        ledger.filter(created_at__gte=start, created_at__lt=end)
        .select_related("counterparty__customer")
        .order_by("created_at", "id")
    )
    total_in = sum((e.amount for e in entries if e.amount > 0), Decimal("0.00"))
    total_out = -sum((e.amount for e in entries if e.amount < 0), Decimal("0.00"))
    return Statement(
        account=account,
        month=month,
        opening_balance=opening,
        entries=entries,
        total_in=total_in,
        total_out=total_out,
        closing_balance=opening + total_in - total_out,
        has_earlier=before is not None,
    )


def payee_lookup(*, number: str) -> Account | None:
    """An open customer account by number, for showing a masked payee name before paying."""
    if not ACCOUNT_NUMBER.fullmatch(number):
        return None
    return (
        Account.objects.select_related("customer")
        .exclude(kind=Account.Kind.CLEARING)
        .filter(number=number, status=Account.Status.OPEN)
        .first()
    )


def mask_name(name: str) -> str:
    """'Alice Ng' -> 'Alice N.': enough to recognise a payee, not enough to harvest names."""
    parts = name.split()
    if not parts:
        return "Fabrikam customer"
    if len(parts) == 1:
        return parts[0][0] + "***"
    return f"{parts[0]} {parts[-1][0]}."


def stepup_event_list(*, sub: str, limit: int = EVENTS_SHOWN) -> QuerySet[StepUpEvent]:
    """The subject's latest sign-ins, step-ups and token verdicts, newest first."""
    return StepUpEvent.objects.filter(sub=sub).order_by("-created_at", "-id")[:limit]
