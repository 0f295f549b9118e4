"""Approving one payment (RFC 9396): the screen, the fresh second factor that confirms it,
and the short-lived access token that carries exactly what was approved."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone
from jose import jwt as jose_jwt

from devidp import policy
from devidp.models import AuthorizationCode, IdpSession, IssuedToken, PendingAuthorization

from .conftest import (
    CLIENT_ID,
    ISSUER,
    REDIRECT_URI,
    TRANSFER_DETAILS,
    authorization_details,
    query,
    verify_access_token,
    verify_id_token,
)
from .test_introspection import API_ID, API_SECRET, introspect

pytestmark = pytest.mark.django_db

PAYMENT = {
    "scope": "openid profile email transfer:funds",
    "acr_values": "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    "authorization_details": authorization_details(),
}


@pytest.fixture(autouse=True)
def _api_credentials(settings):
    settings.DEVIDP_INTROSPECTION_CLIENT_ID = API_ID
    settings.DEVIDP_INTROSPECTION_CLIENT_SECRET = API_SECRET


def page_text(response) -> str:
    """What a person reads: the page without its tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode())).strip()


def approval_page(rp, alice, **overrides):
    """Push a payment, sign in, and open the approval page it leads to."""
    response = rp.sign_in(rp.authorize_pushed(rp.request_uri(**{**PAYMENT, **overrides})))
    assert "/idp/u/consent" in response["Location"]
    return response, rp.browser.get(response["Location"])


# The approval screen


def test_the_approval_screen_shows_the_payment_and_who_asks(rp, alice):
    _, page = approval_page(rp, alice)

    assert page.status_code == 200
    text = page_text(page)
    assert "Approve $2,500.00 to Bob O., account ending 0021, from Checking ending 0011" in text
    assert "Fabrikam Bank" in text  # the client's name, as registered by the seed
    assert "10000011" not in text and "20000021" not in text  # only the last four digits


@pytest.mark.parametrize(
    ("memo", "shown"),
    [("Rent", "With the memo Rent, which the payee will read."), ("", "With no memo.")],
)
def test_the_approval_screen_shows_the_memo_the_payee_will_read(rp, alice, memo, shown):
    _, page = approval_page(rp, alice, authorization_details=authorization_details(memo=memo))
    assert shown in page_text(page)


def test_the_approval_screen_is_accessible_markup(rp, alice):
    _, page = approval_page(rp, alice)
    html = page.content.decode()

    assert re.search(r"<h1>[^<]*payment[^<]*</h1>", html, re.IGNORECASE)
    assert re.search(r'<form method="post"', html)
    assert 'name="csrfmiddlewaretoken"' in html
    buttons = re.findall(r'<button type="submit" name="decision" value="(\w+)"[^>]*>([^<]+)<', html)
    assert [value for value, _ in buttons] == ["approve", "decline"]
    assert "Approve $2,500.00 to Bob O." in buttons[0][1]
    assert "Decline" in buttons[1][1]
    assert "one-time code" in page_text(page)  # it says what comes next and why


def test_the_payee_is_shown_as_text_never_as_markup(rp, alice):
    _, page = approval_page(
        rp, alice, authorization_details=authorization_details(payee="<b>Bob</b> & Co")
    )
    assert b"&lt;b&gt;Bob&lt;/b&gt; &amp; Co" in page.content
    assert b"<b>Bob</b>" not in page.content


def test_the_order_is_password_then_approval_then_the_code_that_confirms_it(rp, alice):
    response, _ = approval_page(rp, alice)

    response = rp.decide(response)

    assert "/idp/u/mfa" in response["Location"]
    mfa_page = page_text(rp.browser.get(response["Location"]))
    assert "This code confirms your approval of $2,500.00 to Bob O." in mfa_page
    assert "code" in query(rp.second_factor(response, alice))


def test_declining_returns_access_denied_and_issues_nothing(rp, alice):
    response, _ = approval_page(rp, alice)

    response = rp.decide(response, "decline")

    assert response["Location"].startswith(REDIRECT_URI)
    params = query(response)
    assert (params["error"], params["state"], params["iss"]) == ("access_denied", rp.state, ISSUER)
    assert "code" not in params
    assert not AuthorizationCode.objects.exists()
    assert not IssuedToken.objects.exists()
    assert not PendingAuthorization.objects.exists()


def test_the_approval_form_needs_its_csrf_token(rp, alice):
    response, _ = approval_page(rp, alice)
    forged = rp.browser.post(response["Location"], {"decision": "approve"})
    assert forged.status_code == 403
    assert PendingAuthorization.objects.get().approved_at is None


def test_an_unknown_decision_approves_nothing(rp, alice):
    response, _ = approval_page(rp, alice)
    answer = rp.submit(response, {"decision": "maybe"})
    assert answer.status_code == 400
    assert PendingAuthorization.objects.get().approved_at is None


def test_the_approval_page_of_another_browser_is_expired(rp, alice):
    response, _ = approval_page(rp, alice)
    assert BrowserClient().get(response["Location"]).status_code == 400


def test_a_request_without_a_payment_has_no_approval_page(rp, alice):
    response = rp.sign_in(rp.authorize(scope="openid transfer:funds"))
    consent = response["Location"].replace("/u/mfa", "/u/consent")
    assert rp.browser.get(consent).status_code == 400


# A fresh second factor, always, after the approval


def test_a_payment_needs_a_fresh_second_factor_even_after_mfa_a_minute_ago(rp, alice):
    rp.login(alice, scope="openid transfer:funds")
    IdpSession.objects.update(auth_time=timezone.now() - timedelta(minutes=1))

    response = rp.authorize_pushed(rp.request_uri(nonce="second", **PAYMENT))

    assert "/idp/u/consent" in response["Location"]  # no password: the SSO session stands
    assert "/idp/u/mfa" in rp.decide(response)["Location"]


def test_a_payment_needs_a_second_factor_even_without_transfer_scope_or_acr(rp, alice):
    rp.login(alice)
    response = rp.authorize_pushed(
        rp.request_uri(nonce="second", authorization_details=authorization_details())
    )
    assert "/idp/u/mfa" in rp.decide(response)["Location"]


def test_a_code_given_before_the_approval_does_not_confirm_it(rp, alice):
    response, _ = approval_page(rp, alice)
    mfa_first = {"Location": response["Location"].replace("/u/consent", "/u/mfa")}
    back_to_approval = rp.second_factor(mfa_first, alice)
    assert "/idp/u/consent" in back_to_approval["Location"]

    after_approval = rp.decide(back_to_approval)

    assert "/idp/u/mfa" in after_approval["Location"]


def test_an_approval_given_before_the_password_does_not_count(rp, alice, bob):
    rp.login(alice)
    to_password = rp.authorize_pushed(rp.request_uri(nonce="2", max_age="0", **PAYMENT))
    approval_first = {"Location": to_password["Location"].replace("/u/login", "/u/consent")}
    back_to_password = rp.decide(approval_first)
    assert "/idp/u/login" in back_to_password["Location"]

    response = rp.sign_in(back_to_password, email=bob.email)

    assert "/idp/u/consent" in response["Location"]


def test_prompt_none_with_a_payment_is_interaction_required(rp, alice):
    rp.login(alice)
    response = rp.authorize_pushed(rp.request_uri(nonce="2", prompt="none", **PAYMENT))
    assert query(response)["error"] == "interaction_required"


def test_a_payment_is_never_granted_without_approval_and_code_even_if_the_policy_slips(
    rp, alice, monkeypatch
):
    real = policy.outstanding_steps

    def forgetful(**kwargs):
        steps = real(**kwargs)
        return policy.Outstanding(password=steps.password, approval=False, second_factor=False)

    monkeypatch.setattr("devidp.policy.outstanding_steps", forgetful)
    # Without transfer:funds, so only the payment's own safety net is left to catch it.
    response = rp.authorize_pushed(rp.request_uri(authorization_details=authorization_details()))
    response = rp.sign_in(response)
    assert query(response)["error"] == "access_denied"
    assert not AuthorizationCode.objects.exists()


# The tokens


def test_the_access_token_carries_exactly_the_approved_details(rp, alice):
    before = int(time.time())
    tokens = rp.login(alice, pushed=True, **PAYMENT)

    claims = verify_access_token(tokens["access_token"])
    assert claims["authorization_details"] == [TRANSFER_DETAILS]
    assert tokens["authorization_details"] == [TRANSFER_DETAILS]  # RFC 9396 section 7
    assert claims["jti"]
    assert claims["client_id"] == CLIENT_ID
    assert claims["acr"] == PAYMENT["acr_values"]
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert before - 1 <= claims["auth_time"] <= int(time.time()) + 1
    assert "transfer:funds" in claims["scope"].split()


def test_the_access_token_for_a_payment_is_short_lived(rp, alice):
    tokens = rp.login(alice, pushed=True, **PAYMENT)
    claims = verify_access_token(tokens["access_token"])
    assert claims["exp"] - claims["iat"] == 120
    assert tokens["expires_in"] == 120
    record = IssuedToken.objects.get()
    assert abs(record.expires_at.timestamp() - claims["exp"]) < 1


def test_the_payment_token_lifetime_is_a_setting(rp, alice, settings):
    settings.DEVIDP_APPROVAL_TOKEN_LIFETIME = 45
    tokens = rp.login(alice, pushed=True, **PAYMENT)
    claims = verify_access_token(tokens["access_token"])
    assert (claims["exp"] - claims["iat"], tokens["expires_in"]) == (45, 45)


def test_other_access_tokens_keep_their_lifetime_and_carry_no_details(rp, alice):
    tokens = rp.login(alice, scope="openid transfer:funds")
    claims = verify_access_token(tokens["access_token"])
    assert claims["exp"] - claims["iat"] == 600
    assert "authorization_details" not in claims
    assert "authorization_details" not in tokens


def test_the_id_token_is_unchanged(rp, alice):
    tokens = rp.login(alice, pushed=True, **PAYMENT)
    claims = verify_id_token(tokens["id_token"], access_token=tokens["access_token"])
    assert "authorization_details" not in claims
    assert claims["exp"] - claims["iat"] == 3600


def test_introspection_includes_the_details(rp, alice):
    tokens = rp.login(alice, pushed=True, **PAYMENT)
    body = introspect(tokens["access_token"]).json()
    assert body["active"] is True
    assert body["authorization_details"] == [TRANSFER_DETAILS]


def test_the_code_carries_the_details(rp, alice):
    response, _ = approval_page(rp, alice)
    rp.second_factor(rp.decide(response), alice)
    assert AuthorizationCode.objects.get().authorization_details == [TRANSFER_DETAILS]


def test_a_token_request_may_repeat_the_approved_details(rp, alice):
    response, _ = approval_page(rp, alice)
    code = rp.code(rp.second_factor(rp.decide(response), alice))
    token_response = rp.exchange(code, authorization_details=authorization_details())
    assert token_response.status_code == 200


def test_a_token_request_cannot_ask_for_other_details(rp, alice):
    response, _ = approval_page(rp, alice)
    code = rp.code(rp.second_factor(rp.decide(response), alice))

    token_response = rp.exchange(code, authorization_details=authorization_details(amount="1.00"))

    assert token_response.status_code == 400
    assert token_response.json()["error"] == "invalid_authorization_details"
    assert not IssuedToken.objects.exists()


def test_a_token_request_cannot_add_details_to_a_code_without_them(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    token_response = rp.exchange(code, authorization_details=authorization_details())
    assert token_response.json()["error"] == "invalid_authorization_details"


def test_decoded_details_are_the_exact_array_not_a_re_encoding(rp, alice):
    tokens = rp.login(alice, pushed=True, **PAYMENT)
    claims = jose_jwt.get_unverified_claims(tokens["access_token"])
    # The same members and values; their order is not meaningful in JSON (and PostgreSQL's
    # jsonb does not keep it).
    assert claims["authorization_details"] == [TRANSFER_DETAILS]
