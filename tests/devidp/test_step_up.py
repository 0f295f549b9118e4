"""The step-up policy at work: when the IdP asks for the password again, and for a TOTP code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devidp import conf
from devidp.models import IdpSession

from .conftest import MFA_POLICY, query, verify_access_token, verify_id_token

pytestmark = pytest.mark.django_db
COOKIE = conf.app_settings.SESSION_COOKIE_NAME  # per site: the dev settings add SITE_URL's port

TRANSFER = {"scope": "openid profile email transfer:funds", "acr_values": MFA_POLICY}


def test_asking_for_transfer_funds_demands_a_totp_code(rp, alice):
    response = rp.sign_in(rp.authorize(scope="openid transfer:funds"))
    assert "/idp/u/mfa" in response["Location"]

    tokens = rp.exchange(rp.code(rp.second_factor(response, alice))).json()

    id_claims = verify_id_token(tokens["id_token"])
    assert id_claims["amr"] == ["pwd", "otp", "mfa"]
    assert id_claims["acr"] == MFA_POLICY
    access = verify_access_token(tokens["access_token"])
    assert "transfer:funds" in access["scope"].split()
    assert access["amr"] == ["pwd", "otp", "mfa"]
    assert access["acr"] == MFA_POLICY


def test_asking_for_the_mfa_policy_demands_a_totp_code(rp, alice):
    response = rp.sign_in(rp.authorize(acr_values=MFA_POLICY))
    assert "/idp/u/mfa" in response["Location"]


def test_a_recent_second_factor_in_the_sso_session_does_not_satisfy_a_new_step_up(rp, alice):
    rp.login(alice, **TRANSFER)
    again = rp.authorize(nonce="second", **TRANSFER)
    assert "/idp/u/mfa" in again["Location"]


def test_a_plain_sign_in_never_asks_for_a_second_factor(rp, alice):
    response = rp.sign_in(rp.authorize())
    assert "code" in query(response)


def test_max_age_zero_asks_for_the_password_even_with_a_fresh_session(rp, alice):
    rp.login(alice)
    response = rp.authorize(nonce="second", max_age="0", **TRANSFER)
    assert "/idp/u/login" in response["Location"]

    response = rp.second_factor(rp.sign_in(response), alice)
    claims = verify_id_token(rp.exchange(rp.code(response)).json()["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert abs(claims["auth_time"] - timezone.now().timestamp()) < 5


def test_a_step_up_on_a_recent_session_asks_for_the_code_only(rp, alice):
    rp.login(alice)
    response = rp.authorize(nonce="second", **TRANSFER)
    assert "/idp/u/mfa" in response["Location"]

    tokens = rp.exchange(rp.code(rp.second_factor(response, alice))).json()
    claims = verify_id_token(tokens["id_token"])
    assert "mfa" in claims["amr"] and "pwd" in claims["amr"]
    assert abs(claims["auth_time"] - timezone.now().timestamp()) < 5  # the code's own time


def test_a_step_up_on_a_session_left_alone_asks_for_the_password_first(rp, alice, settings):
    settings.DEVIDP_REAUTH_AFTER = 15 * 60
    rp.login(alice)
    IdpSession.objects.update(auth_time=timezone.now() - timedelta(minutes=16))
    response = rp.authorize(nonce="second", **TRANSFER)
    assert "/idp/u/login" in response["Location"]
    assert "/idp/u/mfa" in rp.sign_in(response)["Location"]


def test_a_recent_second_factor_keeps_the_session_recent(rp, alice, settings):
    settings.DEVIDP_REAUTH_AFTER = 15 * 60
    rp.login(alice)
    IdpSession.objects.update(auth_time=timezone.now() - timedelta(minutes=10))
    rp.login(alice, nonce="second", **TRANSFER)  # the code only, which renews auth_time
    IdpSession.objects.update(auth_time=timezone.now() - timedelta(minutes=10))
    assert "/idp/u/mfa" in rp.authorize(nonce="third", **TRANSFER)["Location"]


def test_the_password_asked_before_a_first_authenticator_says_why_not_that_it_was_a_while(
    rp, alice
):
    alice.totp_secret = ""
    alice.save()
    rp.login(alice)
    enrol = rp.browser.get(rp.authorize(nonce="second", **TRANSFER)["Location"])

    page = rp.browser.get(enrol["Location"]).content.decode()

    assert "You have no second factor yet" in page
    assert "It has been a while" not in page


def test_a_new_authenticator_is_only_enrolled_after_the_password_in_this_request(rp, alice):
    alice.totp_secret = ""
    alice.save()
    rp.login(alice)
    response = rp.authorize(nonce="second", **TRANSFER)
    assert "/idp/u/mfa/enrol" in response["Location"]

    page = rp.browser.get(response["Location"])

    assert page.status_code == 302
    assert "/idp/u/login" in page["Location"]


def test_an_exceeded_max_age_asks_for_the_password(rp, alice):
    rp.login(alice)
    IdpSession.objects.update(auth_time=timezone.now() - timedelta(minutes=10))
    assert "/idp/u/login" in rp.authorize(nonce="2", max_age="300")["Location"]


def test_a_max_age_still_within_bounds_reuses_the_session(rp, alice):
    rp.login(alice)
    assert "code" in query(rp.authorize(nonce="2", max_age="300"))


def test_prompt_login_asks_for_the_password_again(rp, alice):
    rp.login(alice)
    assert "/idp/u/login" in rp.authorize(nonce="2", prompt="login")["Location"]


def test_prompt_none_without_a_session_returns_login_required(rp):
    response = rp.authorize(prompt="none")
    assert query(response)["error"] == "login_required"
    assert query(response)["state"] == rp.state


def test_prompt_none_with_a_session_returns_a_code(rp, alice):
    rp.login(alice)
    assert "code" in query(rp.authorize(nonce="2", prompt="none"))


def test_prompt_none_that_would_need_mfa_returns_interaction_required(rp, alice):
    rp.login(alice)
    response = rp.authorize(nonce="2", prompt="none", **TRANSFER)
    assert query(response)["error"] == "interaction_required"


def test_prompt_none_with_an_exceeded_max_age_returns_login_required(rp, alice):
    rp.login(alice)
    response = rp.authorize(nonce="2", prompt="none", max_age="0")
    assert query(response)["error"] == "login_required"


def test_a_sign_in_link_cannot_be_finished_in_another_browser(rp, alice, client):
    response = rp.authorize()
    page = client.get(response["Location"])
    assert page.status_code == 400
    assert b"expired" in page.content


def test_the_sso_cookie_is_the_idps_own(rp, alice):
    response = rp.authorize()
    cookie = response.cookies[COOKIE]
    assert cookie["path"] == "/idp/"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert "fabrikam_session" not in response.cookies


def test_signing_in_replaces_the_session_cookie(rp, alice):
    before = rp.authorize().cookies[COOKIE].value
    response = rp.sign_in(rp.authorize(nonce="2"))
    assert response.cookies[COOKIE].value != before


def test_transfer_funds_is_never_granted_without_a_fresh_second_factor_even_if_the_policy_slips(
    rp, alice, monkeypatch
):
    monkeypatch.setattr("devidp.policy.second_factor_required", lambda **kwargs: False)
    response = rp.sign_in(rp.authorize(scope="openid transfer:funds"))
    assert query(response)["error"] == "invalid_scope"
    assert "code" not in query(response)


def test_a_second_factor_given_before_the_password_does_not_carry_over_to_another_user(
    rp, alice, bob
):
    rp.login(alice)
    to_password = rp.authorize(nonce="2", max_age="0", **TRANSFER)
    mfa_first = {"Location": to_password["Location"].replace("/u/login", "/u/mfa")}
    back_to_password = rp.second_factor(mfa_first, alice)
    assert "/idp/u/login" in back_to_password["Location"]

    response = rp.sign_in(back_to_password, email=bob.email)

    assert "/idp/u/mfa" in response["Location"]
