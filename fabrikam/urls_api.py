"""The resource API under /api/: no trailing slashes, every route described in
fabrikam/openapi.py (beside this file)."""

from __future__ import annotations

from django.urls import path

from accounts import api as accounts_api
from accounts import api_events
from transfers import api as transfers_api

from . import api

app_name = "api"

urlpatterns = [
    path("accounts", accounts_api.accounts_list, name="accounts"),
    path(
        "accounts/<str:number>/transactions",
        accounts_api.account_transactions,
        name="account-transactions",
    ),
    path(
        "accounts/<str:number>/statement",
        accounts_api.account_statement_detail,
        name="account-statement",
    ),
    path("security-events", api_events.security_events, name="security-events"),
    path("transfers", transfers_api.transfers_create, name="transfers"),
    # str, not uuid: Django's uuid converter matches lowercase only, and an unmatched route
    # would answer with an HTML 404 instead of problem+json. The view parses the id.
    path("transfers/<str:transfer_id>", transfers_api.transfer_detail, name="transfer-detail"),
    path("payees/<str:number>", transfers_api.payee_detail, name="payee-detail"),
    path("health", api.health, name="health"),
    path("openapi.json", api.openapi_json, name="openapi"),
]
