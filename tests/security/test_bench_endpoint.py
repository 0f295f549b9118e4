"""The benchmark's authentication-off endpoint exists only in the benchmark's own URLconf."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import Resolver404, resolve

from .urls import routes

pytestmark = pytest.mark.django_db


def test_the_site_has_no_route_without_authentication_for_transfers(client):
    with pytest.raises(Resolver404):
        resolve("/bench/transfers")
    assert not [route.path for route in routes() if "bench" in route.path]
    assert client.post("/bench/transfers", {}).status_code == 404


@pytest.mark.urls("scripts.benchsite.urls")
def test_the_benchmark_endpoint_moves_money_without_a_token(client, alice_checking, bob_checking):
    # `make bench` prices authentication against this endpoint: it must really work
    # (it once answered 500 after the transfer committed, and only its route was tested).
    response = client.post(
        "/bench/transfers",
        data=json.dumps(
            {"source": alice_checking.number, "destination": bob_checking.number, "amount": "5.00"}
        ),
        content_type="application/json",
        headers={"X-Bench-Sub": alice_checking.customer.sub, "Idempotency-Key": "bench-0001"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["transfer"]["amount"] == "5.00"
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("995.00")
