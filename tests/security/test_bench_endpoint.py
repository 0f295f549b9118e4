"""The benchmark's authentication-off endpoint exists only in the benchmark's own URLconf."""

from __future__ import annotations

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
