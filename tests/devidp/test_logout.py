"""Signing out: OIDC RP-initiated logout and Auth0's /v2/logout both end the SSO session, but
only this browser's, and without asking only when the request is provably its own."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.test import Client as BrowserClient

from devidp import conf
from devidp.models import IdpSession, IdpUser

from .conftest import CLIENT_ID, MFA_POLICY, RelyingParty, query, verify_id_token

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as TestHttpResponse

pytestmark = pytest.mark.django_db
COOKIE = conf.app_settings.SESSION_COOKIE_NAME  # per site: the dev settings add SITE_URL's port

HOME = "http://localhost:8000/"


def signed_in(rp, user) -> dict:
    tokens = rp.login(user)
    assert live_sessions(user) >= 1
    return tokens


def live_sessions(user: IdpUser) -> int:
    return IdpSession.objects.filter(user=user, ended_at__isnull=True).count()


def web_app_logout(browser, id_token: str, **extra):
    """What the Fabrikam web app sends: id_token_hint, client_id, a registered return URL."""
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": HOME,
        "client_id": CLIENT_ID,
        **extra,
    }
    return browser.get("/idp/oidc/logout", params)


def confirm(browser: BrowserClient, page: TestHttpResponse) -> TestHttpResponse:
    """Press "Sign out" on a confirmation page: post its form, CSRF token included."""
    html = page.content.decode()
    found = re.search(r'<form method="post" action="([^"]+)"', html)
    assert found is not None
    action = found[1]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return browser.post(action, fields)


def assert_asks_first(response) -> None:
    assert response.status_code == 200
    assert b"Sign out?" in response.content
    assert COOKIE not in response.cookies


# --- The web app's own sign-out: no prompt --------------------------------------------------


def test_logout_with_an_id_token_hint_ends_the_session_and_returns_with_state(rp, alice):
    tokens = signed_in(rp, alice)
    response = web_app_logout(rp.browser, tokens["id_token"], state="bye")
    assert response.status_code == 302
    assert response["Location"] == HOME + "?state=bye"
    assert live_sessions(alice) == 0
    # The next sign-in asks for the password again.
    assert "/idp/u/login" in rp.authorize(nonce="after-logout")["Location"]


def test_the_web_apps_sign_out_after_a_step_up_needs_no_prompt_either(rp, alice):
    sign_in_tokens = signed_in(rp, alice)
    # A transfer step-up: password again (max_age=0) and a TOTP code, in the same browser.
    rp.login(alice, nonce="step-up", max_age="0", scope="openid transfer:funds")

    response = web_app_logout(rp.browser, sign_in_tokens["id_token"])

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert live_sessions(alice) == 0


def test_signing_in_again_as_the_same_person_keeps_the_sid_and_changes_the_cookie(rp, alice):
    first = verify_id_token(signed_in(rp, alice)["id_token"])
    cookie = rp.browser.cookies[COOKIE].value

    again = rp.login(alice, nonce="again", max_age="0", acr_values=MFA_POLICY)

    assert verify_id_token(again["id_token"])["sid"] == first["sid"]
    assert rp.browser.cookies[COOKIE].value != cookie


def test_signing_in_as_someone_else_starts_a_new_sid(rp, alice, bob):
    first = verify_id_token(signed_in(rp, alice)["id_token"])
    other = rp.login(bob, nonce="bob", prompt="login")

    assert verify_id_token(other["id_token"])["sid"] != first["sid"]
    assert live_sessions(alice) == 0


def test_a_browser_with_no_session_left_just_returns_to_the_app(rp, alice):
    tokens = signed_in(rp, alice)
    rp.browser.cookies.pop(COOKIE)

    response = web_app_logout(rp.browser, tokens["id_token"])

    assert response.status_code == 302
    assert response["Location"] == HOME


# --- Everything else asks first -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/idp/v2/logout", "/idp/oidc/logout"])
def test_a_cross_site_link_without_client_or_hint_asks_first(rp, alice, path):
    signed_in(rp, alice)

    response = rp.browser.get(path)

    assert_asks_first(response)
    assert live_sessions(alice) == 1
    assert "/idp/u/login" not in rp.authorize(nonce="still-signed-in").get("Location", "")


def test_an_id_token_hint_from_another_browser_ends_neither_session(alice, bob, demo):
    alices_browser = RelyingParty(BrowserClient(enforce_csrf_checks=True))
    alices_tokens = signed_in(alices_browser, alice)
    bobs_browser = RelyingParty(BrowserClient(enforce_csrf_checks=True))
    signed_in(bobs_browser, bob)

    response = web_app_logout(bobs_browser.browser, alices_tokens["id_token"])

    assert_asks_first(response)
    assert live_sessions(alice) == 1
    assert live_sessions(bob) == 1


def test_confirming_a_logout_with_another_browsers_hint_ends_only_this_browsers_session(
    alice, bob, demo
):
    alices_browser = RelyingParty(BrowserClient(enforce_csrf_checks=True))
    alices_tokens = signed_in(alices_browser, alice)
    bobs_browser = RelyingParty(BrowserClient(enforce_csrf_checks=True))
    signed_in(bobs_browser, bob)
    page = web_app_logout(bobs_browser.browser, alices_tokens["id_token"])

    response = confirm(bobs_browser.browser, page)

    assert response.status_code == 302
    assert live_sessions(bob) == 0
    assert live_sessions(alice) == 1


def test_an_id_token_hint_in_a_browser_with_the_same_person_signed_in_elsewhere_asks(alice, demo):
    laptop = RelyingParty(BrowserClient(enforce_csrf_checks=True))
    laptop_tokens = signed_in(laptop, alice)
    phone = RelyingParty(BrowserClient(enforce_csrf_checks=True))
    signed_in(phone, alice)

    assert_asks_first(web_app_logout(phone.browser, laptop_tokens["id_token"]))
    assert live_sessions(alice) == 2


def test_an_id_token_from_before_a_sign_out_cannot_end_the_next_session_unasked(rp, alice):
    old = signed_in(rp, alice)
    web_app_logout(rp.browser, old["id_token"])
    rp.login(alice, nonce="next")

    assert_asks_first(web_app_logout(rp.browser, old["id_token"]))
    assert live_sessions(alice) == 1


def test_logout_with_a_hint_but_an_unregistered_return_url_asks_and_never_goes_there(rp, alice):
    tokens = signed_in(rp, alice)
    page = web_app_logout(
        rp.browser, tokens["id_token"], post_logout_redirect_uri="https://evil.example/"
    )
    assert_asks_first(page)
    assert live_sessions(alice) == 1

    response = confirm(rp.browser, page)

    assert response.status_code == 200
    assert b"signed out" in response.content
    assert live_sessions(alice) == 0


def test_logout_with_a_hint_but_no_return_url_asks_first(rp, alice):
    tokens = signed_in(rp, alice)
    assert_asks_first(rp.browser.get("/idp/oidc/logout", {"id_token_hint": tokens["id_token"]}))
    assert live_sessions(alice) == 1


def test_logout_refuses_a_forged_id_token_hint(rp, alice):
    signed_in(rp, alice)
    response = rp.browser.get("/idp/oidc/logout", {"id_token_hint": "a.b.c"})
    assert response.status_code == 400
    assert live_sessions(alice) == 1


def test_logout_without_a_hint_asks_first(rp, alice):
    signed_in(rp, alice)
    response = rp.browser.get(
        "/idp/oidc/logout", {"client_id": CLIENT_ID, "post_logout_redirect_uri": HOME}
    )
    assert_asks_first(response)
    assert live_sessions(alice) == 1


def test_confirming_logout_without_a_hint_signs_out_and_returns(rp, alice):
    signed_in(rp, alice)
    params = {"client_id": CLIENT_ID, "post_logout_redirect_uri": HOME, "state": "s1"}
    page = rp.browser.get("/idp/oidc/logout", params)

    response = confirm(rp.browser, page)

    assert response.status_code == 302
    assert response["Location"] == HOME + "?state=s1"
    assert live_sessions(alice) == 0


def test_the_confirmation_form_needs_its_csrf_token(rp, alice):
    signed_in(rp, alice)
    for path in ("/idp/oidc/logout", "/idp/v2/logout"):
        assert rp.browser.post(path, {"client_id": CLIENT_ID}).status_code == 403
    assert live_sessions(alice) == 1


def test_the_confirmation_page_echoes_only_logout_parameters(rp, alice):
    signed_in(rp, alice)
    page = rp.browser.get(
        "/idp/v2/logout", {"returnTo": HOME, "csrfmiddlewaretoken": "planted", "x": "<b>"}
    ).content.decode()

    assert "planted" not in page
    assert 'name="x"' not in page
    assert page.count('name="csrfmiddlewaretoken"') == 1


# --- Auth0's /v2/logout -----------------------------------------------------------------------


def test_a_cross_site_auth0_style_logout_link_with_a_registered_return_url_asks_first(rp, alice):
    signed_in(rp, alice)
    # What an attacker's page links to: nothing in it proves the session is the browser's.
    page = rp.browser.get("/idp/v2/logout", {"client_id": CLIENT_ID, "returnTo": HOME})
    assert_asks_first(page)
    assert live_sessions(alice) == 1


def test_confirmed_auth0_style_logout_ends_the_session_and_returns_to_an_allowed_url(rp, alice):
    signed_in(rp, alice)
    page = rp.browser.get("/idp/v2/logout", {"client_id": CLIENT_ID, "returnTo": HOME})
    response = confirm(rp.browser, page)
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert response.cookies[COOKIE].value == ""
    assert live_sessions(alice) == 0
    assert query(rp.authorize(nonce="n2", prompt="none"))["error"] == "login_required"


def test_auth0_style_logout_with_a_return_url_the_client_did_not_register_asks_first(rp, alice):
    signed_in(rp, alice)
    page = rp.browser.get(
        "/idp/v2/logout", {"client_id": CLIENT_ID, "returnTo": "https://evil.example/"}
    )
    assert_asks_first(page)
    assert live_sessions(alice) == 1

    response = confirm(rp.browser, page)

    assert response.status_code == 200
    assert b"signed out" in response.content
    assert live_sessions(alice) == 0


def test_auth0_style_logout_with_an_unknown_client_asks_first(rp, alice):
    signed_in(rp, alice)
    assert_asks_first(rp.browser.get("/idp/v2/logout", {"client_id": "nobody", "returnTo": HOME}))
    assert live_sessions(alice) == 1


def test_confirming_auth0_style_logout_without_a_client_signs_out_and_stays(rp, alice):
    signed_in(rp, alice)
    page = rp.browser.get("/idp/v2/logout", {"returnTo": HOME})

    response = confirm(rp.browser, page)

    assert response.status_code == 200  # no client named: no return URL can be trusted
    assert b"signed out" in response.content
    assert live_sessions(alice) == 0
