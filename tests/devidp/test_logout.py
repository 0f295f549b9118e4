"""Signing out: OIDC RP-initiated logout and Auth0's /v2/logout both end the SSO session."""

from __future__ import annotations

import re

import pytest

from devidp.models import IdpSession

from .conftest import CLIENT_ID, query

pytestmark = pytest.mark.django_db

HOME = "http://localhost:8000/"


def signed_in(rp, alice) -> dict:
    tokens = rp.login(alice)
    assert IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()
    return tokens


def test_logout_with_an_id_token_hint_ends_the_session_and_returns_with_state(rp, alice):
    tokens = signed_in(rp, alice)
    response = rp.browser.get(
        "/idp/oidc/logout",
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": HOME,
            "client_id": CLIENT_ID,
            "state": "bye",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == HOME + "?state=bye"
    assert not IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()
    # The next sign-in asks for the password again.
    assert "/idp/u/login" in rp.authorize(nonce="after-logout")["Location"]


def test_logout_never_redirects_to_an_unregistered_uri(rp, alice):
    tokens = signed_in(rp, alice)
    response = rp.browser.get(
        "/idp/oidc/logout",
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 200
    assert b"signed out" in response.content
    assert not IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()


def test_logout_refuses_a_forged_id_token_hint(rp, alice):
    signed_in(rp, alice)
    response = rp.browser.get("/idp/oidc/logout", {"id_token_hint": "a.b.c"})
    assert response.status_code == 400
    assert IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()


def test_logout_without_a_hint_asks_first(rp, alice):
    signed_in(rp, alice)
    response = rp.browser.get(
        "/idp/oidc/logout", {"client_id": CLIENT_ID, "post_logout_redirect_uri": HOME}
    )
    assert response.status_code == 200
    assert b"Sign out?" in response.content
    assert IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()


def test_auth0_style_logout_ends_the_session_and_returns_to_an_allowed_url(rp, alice):
    signed_in(rp, alice)
    response = rp.browser.get("/idp/v2/logout", {"client_id": CLIENT_ID, "returnTo": HOME})
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert response.cookies["devidp_session"].value == ""
    assert not IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()
    assert query(rp.authorize(nonce="n2", prompt="none"))["error"] == "login_required"


def test_auth0_style_logout_ignores_a_return_url_the_client_did_not_register(rp, alice):
    signed_in(rp, alice)
    response = rp.browser.get(
        "/idp/v2/logout", {"client_id": CLIENT_ID, "returnTo": "https://evil.example/"}
    )
    assert response.status_code == 200
    assert not IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()


def test_confirming_logout_without_a_hint_signs_out_and_returns(rp, alice):
    signed_in(rp, alice)
    params = {"client_id": CLIENT_ID, "post_logout_redirect_uri": HOME, "state": "s1"}
    page = rp.browser.get("/idp/oidc/logout", params).content.decode()
    csrf = re.search(r'csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = rp.browser.post("/idp/oidc/logout", {**params, "csrfmiddlewaretoken": csrf})

    assert response.status_code == 302
    assert response["Location"] == HOME + "?state=s1"
    assert not IdpSession.objects.filter(user=alice, ended_at__isnull=True).exists()
