"""Web pages for accounts: each one asks the resource API, never the ledger tables."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from oidc_client.stepup import StepUp, step_up_required

from . import api_client
from .decorators import View
from .errors import NotFound
from .statement_csv import statement_csv, statement_filename

# The web-only step-up: the session's ID token must show a second factor from the last
# OIDC_WEB_STEP_UP_MAX_AGE seconds (a transfer's step-up counts too). Like transfers, it
# leaves the provider to decide whether the password is needed besides the second factor;
# the statement page says it was opened with the second factor, so no message either.
STATEMENTS_STEP_UP = StepUp(
    kind="web",
    max_age=None,
    message="",
    purpose="Statements show your full account history, so opening one needs a fresh "
    "second factor.",
)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page, or the dashboard once signed in."""
    if request.user.is_authenticated:
        return dashboard(request)
    return render(request, "home.html")


RECENT_SHOWN = 5


# never_cache on every page that shows money: it must not outlive the session in the
# browser's cache (or a shared one), where the next person at the machine could open it.
@login_required
@never_cache
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    accounts = api_client.get_json(request, "accounts", "AccountList")["accounts"]
    context = {
        "accounts": accounts,
        "totals": _totals(accounts),
        "recent": _recent_movements(request, accounts),
    }
    return render(request, "accounts/dashboard.html", context)


def _totals(accounts: list[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    """What the customer has in total, per currency (amounts in two currencies never add)."""
    totals: dict[str, Decimal] = {}
    for account in accounts:
        totals[account["currency"]] = totals.get(account["currency"], Decimal(0)) + Decimal(
            account["balance"]
        )
    return sorted(totals.items())


def _recent_movements(request: HttpRequest, accounts: list[dict[str, Any]]) -> list[dict]:
    """The latest movements across the customer's open accounts, newest first.

    One call per account to the history the API already serves (its first page is the
    newest): a customer has a handful of accounts, and the bank's API keeps its shape.
    """
    entries = []
    for account in accounts:
        if account["status"] != "open":
            continue
        path = f"accounts/{account['number']}/transactions"
        history = api_client.get_json(request, path, "TransactionPage")
        entries += [{**entry, "account": account} for entry in history["transactions"]]
    entries.sort(key=lambda entry: entry["created_at"], reverse=True)
    return entries[:RECENT_SHOWN]


@login_required
@never_cache
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    return dashboard(request)


@login_required
@never_cache
@require_GET
def account_detail(request: HttpRequest, number: str) -> HttpResponse:
    page = request.GET.get("page", "1")
    history = api_client.get_json(
        request, f"accounts/{number}/transactions", "TransactionPage", page=page
    )
    return render(request, "accounts/history.html", {"history": history, "number": number})


class _BadMonth(Exception):
    """The API refused the `month` parameter: worth a message, not an error page."""


def _statement(request: HttpRequest, number: str) -> dict[str, Any]:
    """The month's statement from the API; the API itself checks the month and the owner."""
    params = {"month": request.GET["month"]} if request.GET.get("month") else {}
    try:
        return api_client.get_json(request, f"accounts/{number}/statement", "Statement", **params)
    except api_client.ApiError as error:
        if error.field == "month":
            raise _BadMonth from None
        raise


def own_account_required(view: View) -> View:
    """404 for an account that is not the customer's, before the step-up below it: a
    second factor asked for only to answer "not found" is the customer's time wasted.
    One API call; the API still checks the owner of what it returns."""

    @wraps(view)
    def wrapper(request: HttpRequest, number: str, *args: Any, **kwargs: Any) -> HttpResponse:
        accounts = api_client.get_json(request, "accounts", "AccountList")["accounts"]
        if number not in {account["number"] for account in accounts}:
            raise NotFound("No such account.")
        return view(request, number, *args, **kwargs)

    return wrapper


@login_required
@own_account_required
@step_up_required(STATEMENTS_STEP_UP)
@never_cache
@require_GET
def account_statement(request: HttpRequest, number: str, as_csv: bool = False) -> HttpResponse:
    try:
        statement = _statement(request, number)
    except _BadMonth:
        messages.error(request, "Choose a month, e.g. 2026-11.")
        return redirect("account-statement", number=number)
    if not as_csv:
        return render(request, "accounts/statement.html", {"statement": statement})
    response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{statement_filename(statement)}"'
    return response
