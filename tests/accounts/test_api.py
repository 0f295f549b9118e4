"""The read:accounts API: each caller sees only their own accounts and ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError

from accounts.models import Account, Customer
from tests.factories import TransferFactory
from tests.tokens import bearer

pytestmark = pytest.mark.django_db


def get(client, url, token, **params):
    return client.get(url, params, headers=bearer(token))


def test_it_lists_the_callers_accounts_with_balances_as_strings(
    client, mint_token, alice_checking, alice_savings, bob_checking
):
    response = get(client, "/api/accounts", mint_token(sub="test|alice"))

    assert response.status_code == 200
    assert response.json() == {
        "accounts": [
            {
                "number": "1000000011",
                "kind": "checking",
                "currency": "USD",
                "balance": "1000.00",
                "status": "open",
                "available_to_others": "1000.00",  # no welcome money to keep back
            },
            {
                "number": "1000000012",
                "kind": "savings",
                "currency": "USD",
                "balance": "50.00",
                "status": "open",
                "available_to_others": "50.00",
            },
        ]
    }


def test_charlie_gets_404_for_alices_account_number(client, mint_token, alice_checking, charlie):
    response = get(
        client, f"/api/accounts/{alice_checking.number}/transactions", mint_token(sub=charlie.sub)
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["code"] == "not_found"
    assert alice_checking.number not in response.json()["detail"]


def test_an_unknown_account_number_is_the_same_404(client, mint_token, charlie):
    response = get(client, "/api/accounts/1999999999/transactions", mint_token(sub=charlie.sub))

    assert response.status_code == 404


def test_the_history_shows_counterparties_masked_and_amounts_signed(
    client, mint_token, alice_checking, bob_checking
):
    TransferFactory(
        source=alice_checking, destination=bob_checking, amount=Decimal("25.50"), memo="Lunch"
    )

    response = get(client, "/api/accounts/1000000011/transactions", mint_token(sub="test|alice"))

    body = response.json()
    assert response.status_code == 200
    assert body["account"]["balance"] == "974.50"
    latest, opening = body["transactions"]
    assert latest["amount"] == "-25.50"
    assert latest["balance_after"] == "974.50"
    assert latest["memo"] == "Lunch"
    assert (latest["counterparty"], latest["counterparty_account"]) == ("Bob O.", "1000000021")
    assert opening["amount"] == "1000.00"
    assert opening["counterparty"] == "Fabrikam Bank"


def test_a_transfer_between_own_accounts_names_the_account_kind(
    client, mint_token, alice_checking, alice_savings
):
    TransferFactory(source=alice_checking, destination=alice_savings, amount=Decimal("10.00"))

    response = get(client, "/api/accounts/1000000012/transactions", mint_token(sub="test|alice"))

    assert response.json()["transactions"][0]["counterparty"] == "Your checking account"


def test_the_history_is_paginated_newest_first(client, mint_token, alice_checking, bob_checking):
    for cents in range(1, 26):  # 25 transfers + the opening deposit = 26 entries
        TransferFactory(
            source=alice_checking, destination=bob_checking, amount=Decimal(cents) / 100
        )
    token = mint_token(sub="test|alice")
    url = "/api/accounts/1000000011/transactions"

    first = get(client, url, token).json()
    second = get(client, url, token, page=2).json()

    assert (first["page"], first["pages"], first["count"]) == (1, 2, 26)
    assert (first["previous_page"], first["next_page"]) == (None, 2)
    assert (second["previous_page"], second["next_page"]) == (1, None)
    assert len(first["transactions"]) == 20
    assert len(second["transactions"]) == 6
    assert first["transactions"][0]["amount"] == "-0.25"
    assert second["transactions"][-1]["amount"] == "1000.00"
    ids = [t["id"] for t in first["transactions"] + second["transactions"]]
    assert len(set(ids)) == 26


def test_a_page_past_the_end_is_not_found(client, mint_token, alice_checking):
    response = get(
        client, "/api/accounts/1000000011/transactions", mint_token(sub="test|alice"), page=3
    )

    assert response.status_code == 404
    assert response.json()["field"] == "page"


@pytest.mark.parametrize("page", ["0", "-1", "two", "1.5", "²"])
def test_a_page_that_is_not_a_positive_number_is_a_bad_request(
    client, mint_token, alice_checking, page
):
    response = get(
        client, "/api/accounts/1000000011/transactions", mint_token(sub="test|alice"), page=page
    )

    assert response.status_code == 400
    assert response.json()["field"] == "page"


def test_a_new_sub_gets_its_default_accounts_provisioned(client, mint_token):
    token = mint_token(sub="auth0|new-customer", name="Dana Reyes", email="dana@example.com")

    response = get(client, "/api/accounts", token)

    accounts = response.json()["accounts"]
    assert [(a["kind"], a["balance"]) for a in accounts] == [
        ("checking", "1000.00"),
        ("savings", "0.00"),
    ]
    customer = Customer.objects.get(sub="auth0|new-customer")
    assert (customer.name, customer.email) == ("Dana Reyes", "dana@example.com")


def test_provisioning_happens_once_per_sub(client, mint_token):
    token = mint_token(sub="auth0|repeat")

    get(client, "/api/accounts", token)
    get(client, "/api/accounts", token)

    assert Account.objects.filter(customer__sub="auth0|repeat").count() == 2


def test_api_endpoints_answer_only_their_methods(client, mint_token, alice):
    response = client.post("/api/accounts", headers=bearer(mint_token()))

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response["Content-Type"] == "application/problem+json"


def test_health_answers_without_a_token(client):
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_health_reports_a_database_outage_as_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("fabrikam.api.connection.cursor", broken_cursor)

    response = client.get("/api/health")

    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"
