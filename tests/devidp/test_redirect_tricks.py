"""Redirect URI tricks (RFC 9700 §4.1.3: exact string matching): every near miss of a
registered URI is refused, at the authorization endpoint, at logout and at /v2/logout.
Complements test_refusals.py (an unregistered host, a trailing slash)."""

from __future__ import annotations

import pytest

from .conftest import CLIENT_ID, REDIRECT_URI

pytestmark = pytest.mark.django_db

HOME = "http://localhost:8000/"


def near_misses(uri: str) -> list[str]:
    """Prefix, suffix, case, userinfo, fragment, path traversal, query, port, scheme."""
    scheme, rest = uri.split("://")
    host, _, path = rest.partition("/")
    return [
        uri[:-1],  # a prefix of the registered URI
        uri + "x",  # a suffix
        uri + "/../evil",  # path traversal after it
        f"{scheme}://{host}/{path}/..%2F..%2Fevil",
        f"{scheme}://{host}/./{path}",
        uri.upper(),  # case
        f"{scheme}://{host.upper()}/{path}",
        f"{scheme}://{host}@evil.example/{path}",  # userinfo: the real host is evil.example
        f"{scheme}://evil.example@{host}/{path}",  # userinfo on the right host: still not it
        uri + "#fragment",  # fragment
        uri + "?next=https://evil.example/",  # an extra query
        f"{scheme}://{host.replace(':8000', ':8001')}/{path}",  # another port
        f"https://{rest}",  # another scheme
        f" {uri}",  # padding
        uri.replace("localhost", "localhost.evil.example"),  # a host suffix
    ]


@pytest.mark.parametrize("redirect_uri", near_misses(REDIRECT_URI))
def test_authorize_refuses_every_near_miss_without_redirecting(rp, redirect_uri):
    response = rp.authorize(redirect_uri=redirect_uri)

    assert response.status_code == 400
    assert "Location" not in response


@pytest.mark.parametrize("return_to", near_misses(HOME))
def test_logout_never_returns_to_a_near_miss(rp, alice, return_to):
    rp.login(alice)
    rp_initiated = rp.browser.get(
        "/idp/oidc/logout", {"client_id": CLIENT_ID, "post_logout_redirect_uri": return_to}
    )
    auth0_style = rp.browser.get("/idp/v2/logout", {"client_id": CLIENT_ID, "returnTo": return_to})

    for response in (rp_initiated, auth0_style):
        assert response.status_code in (200, 400)
        assert "Location" not in response
