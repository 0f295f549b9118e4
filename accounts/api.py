"""The `read:accounts` resource API: the caller's own accounts and their ledger, as JSON."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import JsonResponse
from django.utils import timezone

from api_auth.decorators import token_required
from api_auth.introspection import introspected
from api_auth.problems import api_view

from .decorators import CustomerRequest, customer_required
from .errors import ApplicationError, NotFound
from .models import Account, LedgerEntry
from .selectors import (
    account_get,
    account_history,
    account_list,
    account_statement,
    free_of_welcome_money,
    mask_name,
    next_month,
    previous_month,
)

MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])")


@api_view("GET")
@token_required("read:accounts")
@introspected
@customer_required
def accounts_list(request: CustomerRequest) -> JsonResponse:
    accounts = account_list(customer=request.customer)
    free = free_of_welcome_money(customer=request.customer)
    answer = [
        # What each account can send to someone else: its balance, less welcome money.
        {**_account_json(account), "available_to_others": _money(min(account.balance, free))}
        for account in accounts
    ]
    return JsonResponse({"accounts": answer})


@api_view("GET")
@token_required("read:accounts")
@introspected
@customer_required
def account_transactions(request: CustomerRequest, number: str) -> JsonResponse:
    page_number = _page_number(request.GET.get("page", "1"))
    account = account_get(customer=request.customer, number=number)
    page = account_history(account=account, page=page_number)
    # Paginator.get_page() quietly serves the last page for a page past the end; an API
    # client paging forward should learn it went too far instead.
    if page.number != page_number:
        raise NotFound("No such page.", field="page")
    return JsonResponse(
        {
            "account": _account_json(account),
            "page": page.number,
            "pages": page.paginator.num_pages,
            "count": page.paginator.count,
            "previous_page": page.previous_page_number() if page.has_previous() else None,
            "next_page": page.next_page_number() if page.has_next() else None,
            "transactions": [_entry_json(entry, account) for entry in page],
        }
    )


@api_view("GET")
@token_required("read:accounts")
@introspected
@customer_required
def account_statement_detail(request: CustomerRequest, number: str) -> JsonResponse:
    month = _month(request.GET.get("month"))
    account = account_get(customer=request.customer, number=number)
    statement = account_statement(account=account, month=month)
    this_month = timezone.now().date().replace(day=1)
    return JsonResponse(
        {
            "account": _account_json(account),
            "month": f"{month:%Y-%m}",
            "opening_balance": _money(statement.opening_balance),
            "total_in": _money(statement.total_in),
            "total_out": _money(statement.total_out),
            "closing_balance": _money(statement.closing_balance),
            "entries": [_entry_json(entry, account) for entry in statement.entries],
            # Links to the neighbouring statements: none before the first activity, and
            # none into the future.
            "previous_month": (f"{previous_month(month):%Y-%m}" if statement.has_earlier else None),
            "next_month": f"{next_month(month):%Y-%m}" if month < this_month else None,
        }
    )


def _month(raw: str | None) -> date:
    """`YYYY-MM` up to this month (UTC), which is the default."""
    this_month = timezone.now().date().replace(day=1)
    if raw is None:
        return this_month
    match = MONTH.fullmatch(raw)
    if not match or int(match["year"]) < 1900:
        raise ApplicationError("month must look like 2026-11.", field="month", code="invalid")
    month = date(int(match["year"]), int(match["month"]), 1)
    if month > this_month:
        raise ApplicationError(
            "There is no statement for a month that has not begun.", field="month", code="invalid"
        )
    return month


def _page_number(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ApplicationError("page must be a whole number from 1.", field="page", code="invalid")
    return int(raw)


def _money(amount: Decimal) -> str:
    # A string, never a float: "1234.50" survives every JSON parser unchanged.
    return f"{amount:.2f}"


def _account_json(account: Account) -> dict[str, Any]:
    return {
        "number": account.number,
        "kind": account.kind,
        "currency": account.currency,
        "balance": _money(account.balance),
        "status": account.status,
    }


def _entry_json(entry: LedgerEntry, account: Account) -> dict[str, Any]:
    other = entry.counterparty
    if other.customer_id == account.customer_id:
        counterparty = f"Your {other.kind} account"
    elif other.kind == Account.Kind.CLEARING:
        counterparty = other.customer.name  # the bank itself: deposits, welcome money
    else:
        # Enough to recognise a payee, not enough to harvest names (see mask_name).
        counterparty = mask_name(other.customer.name)
    return {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "amount": _money(entry.amount),
        "balance_after": _money(entry.balance_after),
        "memo": entry.memo,
        "counterparty": counterparty,
        "counterparty_account": other.number,
        # The movement both entries belong to: a transfer's id, or a deposit's reference.
        "transfer": str(entry.reference),
    }
