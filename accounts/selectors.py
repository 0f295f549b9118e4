"""Reads for accounts and their ledger, always scoped to the owning customer."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from fabrikam.errors import NotFound

from .models import Account, Customer, LedgerEntry

HISTORY_PAGE_SIZE = 20


def account_list(*, customer: Customer) -> QuerySet[Account]:
    return Account.objects.filter(customer=customer).order_by("kind", "number")


def account_get(*, customer: Customer, number: str) -> Account:
    """One of the customer's accounts; another customer's number is simply not found."""
    try:
        return Account.objects.get(customer=customer, number=number)
    except Account.DoesNotExist:
        raise NotFound("No such account.") from None


def account_history(
    *, account: Account, page: int | str = 1, per_page: int = HISTORY_PAGE_SIZE
) -> Page:
    """A page of the account's ledger, newest first, with each transfer's counterparty."""
    entries = (
        LedgerEntry.objects.filter(account=account)
        .select_related("transfer__source__customer", "transfer__destination__customer")
        .order_by("-created_at", "-id")
    )
    return Paginator(entries, per_page).get_page(page)


def payee_lookup(*, number: str) -> Account | None:
    """An open customer account by number, for showing a masked payee name before paying."""
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
