"""Web pages for accounts: each one asks the resource API, never the ledger tables."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fabrikam import api_client


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
