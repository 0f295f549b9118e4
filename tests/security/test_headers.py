"""Clickjacking and content-sniffing defences on every kind of response, and no open
redirect through `next`, the Host header or a post-logout URI."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from oidc_client import provider as oidc

pytestmark = pytest.mark.django_db

PAGES = [
    "/",  # a page
    "/logout",  # a form
    "/no-such-page",  # an error page
    "/api/health",  # JSON
    "/api/accounts",  # a problem+json refusal
    "/api/openapi.json",
    "/idp/.well-known/openid-configuration",
    "/idp/u/login",  # the IdP's own (expired-request) page
]


@pytest.mark.parametrize("path", PAGES)
def test_no_response_can_be_framed_or_sniffed(client, path):
    response = client.get(path)

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response.get("Content-Security-Policy")
    if csp:  # when a policy is sent, it must not reopen framing
        assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "https:evil.example",
        "http://testserver@evil.example/",
        "javascript:alert(1)",
        "data:text/html,hi",
        " //evil.example",
        "/%2F/evil.example",
    ],
)
def test_next_is_never_an_open_redirect(rf, next_url):
    """Extends tests/oidc_client/test_provider.py's sign-in round trip with more spellings."""
    target = oidc.safe_next(rf.get("/login"), next_url)

    # Either home, or a path on this site (a literal "%2F" stays a path segment).
    assert target == "/" or (urlsplit(target).netloc == "" and target.startswith("/%2F"))


def test_a_same_site_next_path_is_kept(rf):
    assert oidc.safe_next(rf.get("/login"), "/accounts/1000000011/?page=2") == (
        "/accounts/1000000011/?page=2"
    )


def test_a_forged_host_cannot_choose_where_logout_returns(alice):
    client = Client(HTTP_HOST="evil.example")
    client.raise_request_exception = False

    response = client.post("/logout")

    assert response.status_code == 400  # DisallowedHost, before any URL is built
    assert "evil.example" not in response.get("Location", "")
