"""The benchmark's authentication-off endpoint exists only in the benchmark's own URLconf."""

from __future__ import annotations

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


def test_only_the_benchmark_settings_mount_it():
    from scripts.benchsite import urls as bench_urls

    assert any("bench/transfers" in str(p.pattern) for p in bench_urls.urlpatterns)


def test_the_benchmark_endpoint_moves_money_as_the_api_does(
    client, settings, alice_checking, bob_checking
):
    # It answers through the API's own transfer_answer: a 201 with the transfer, the same
    # body the authenticated endpoint sends, so the benchmark prices the real work.
    settings.ROOT_URLCONF = "scripts.benchsite.urls"
    response = client.post(
        "/bench/transfers",
        data={"source": "1000000011", "destination": "1000000021", "amount": "12.50"},
        content_type="application/json",
        headers={"X-Bench-Sub": "test|alice", "Idempotency-Key": "bench-key-0001"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["transfer"]["status"] == "completed"
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("987.50")
