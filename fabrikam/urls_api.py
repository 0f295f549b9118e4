"""The resource API under /api/: no trailing slashes, every route described in openapi.py."""

from __future__ import annotations

from django.urls import path

from accounts import api as accounts_api

from . import api

app_name = "api"

urlpatterns = [
    path("accounts", accounts_api.accounts_list, name="accounts"),
    path(
        "accounts/<str:number>/transactions",
        accounts_api.account_transactions,
        name="account-transactions",
    ),
    path("health", api.health, name="health"),
    path("openapi.json", api.openapi_json, name="openapi"),
]
