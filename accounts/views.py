"""Web pages for accounts: each one asks the resource API, never the ledger tables."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fabrikam import api_client, stepup

from .statement_csv import statement_csv, statement_filename


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    accounts = api_client.get_json(request, "accounts")["accounts"]
    return render(request, "accounts/dashboard.html", {"accounts": accounts})


@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    return dashboard(request)


@login_required
@require_GET
def account_detail(request: HttpRequest, number: str) -> HttpResponse:
    page = request.GET.get("page", "1")
    history = api_client.get_json(request, f"accounts/{number}/transactions", page=page)
    return render(request, "accounts/history.html", {"history": history, "number": number})


class _BadMonth(Exception):
    """The API refused the `month` parameter: worth a message, not an error page."""


def _statement(request: HttpRequest, number: str) -> dict[str, Any]:
    """The month's statement from the API; the API itself checks the month and the owner."""
    params = {"month": request.GET["month"]} if request.GET.get("month") else {}
    try:
        return api_client.get_json(request, f"accounts/{number}/statement", **params)
    except api_client.ApiError as error:
        if error.field == "month":
            raise _BadMonth from None
        raise


# The web-only step-up: the session's ID token must show a second factor from the last
# WEB_STEP_UP_MAX_AGE seconds. never_cache, because a statement must not outlive the
# session in the browser's cache.
@login_required
@stepup.require_step_up(stepup.STATEMENTS)
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
