"""The API's keys under faults, with the embedded IdP for real: a JWKS outage leaves the
cached keys working, and a real key rotation (`devidp_rotate_key`) is picked up with one
refresh."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.core.management import call_command

from api_auth import jwks
from tests.journey import Browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key_fetches(monkeypatch) -> list[int]:
    """Count the API's key-set fetches (discovery + JWKS over HTTP each time)."""
    fetches: list[int] = []
    fetch = jwks.jwks_fetch

    def counted_fetch() -> Mapping[str, Any]:
        fetches.append(1)
        return fetch()

    monkeypatch.setattr(jwks, "jwks_fetch", counted_fetch)
    return fetches


def test_a_jwks_outage_leaves_the_cached_keys_working(browser: Browser, monkeypatch, key_fetches):
    browser.sign_in()
    assert browser.get("/").status_code == 200  # the API has fetched and cached the keys
    assert key_fetches == [1]

    def down(url):
        raise jwks.IssuerUnavailable(f"{url}: connection refused (simulated outage)")

    monkeypatch.setattr(jwks, "json_get", down)

    for _ in range(3):
        assert browser.get("/").status_code == 200
    assert key_fetches == [1]  # nobody needed the provider


def test_a_rotated_signing_key_is_picked_up_with_a_single_refresh(
    site, browser: Browser, key_fetches
):
    browser.sign_in()
    assert browser.get("/").status_code == 200
    call_command("devidp_rotate_key", verbosity=0)

    fresh = Browser(site)  # a new sign-in: its access token carries the new kid
    fresh.sign_in("bob@fabrikam.example")

    assert fresh.get("/").status_code == 200
    assert key_fetches == [1, 1]  # the unknown kid caused exactly one refresh
    assert browser.get("/").status_code == 200  # the retired key still verifies old tokens
    assert fresh.get("/").status_code == 200
    assert key_fetches == [1, 1]
