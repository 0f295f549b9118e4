"""Passwords and TOTP codes: replay refused, failures rate-limited, enrolment and sign-up."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from devidp import ratelimit
from devidp.models import IdpUser
from devidp.views.second_factor import ENROL_MAX_AGE

from .conftest import RelyingParty, query, totp_code, verify_id_token

pytestmark = pytest.mark.django_db

TRANSFER = {"scope": "openid transfer:funds"}


def test_a_totp_code_is_accepted_only_once(rp, alice, client):
    code = totp_code(alice)
    first = rp.second_factor(rp.sign_in(rp.authorize(**TRANSFER)), alice, code=code)
    assert "code" in query(first)

    other = RelyingParty(client)
    second = other.second_factor(other.sign_in(other.authorize(**TRANSFER)), alice, code=code)

    assert second.status_code == 400
    assert b"already been used" in second.content


def test_a_wrong_totp_code_is_refused_with_a_clear_message(rp, alice):
    response = rp.second_factor(rp.sign_in(rp.authorize(**TRANSFER)), alice, code="000000")
    assert response.status_code == 400
    assert b"not right" in response.content


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(rp, alice):
    response = rp.sign_in(rp.authorize(), password="wrong")
    assert response.status_code == 400
    assert b"do not match" in response.content


def test_password_failures_are_limited_per_account(rp, alice):
    start = rp.authorize()
    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT):
        assert rp.sign_in(start, password="wrong").status_code == 400

    locked = rp.sign_in(start)  # even the right password, for now

    assert locked.status_code == 400
    assert b"Too many failed attempts" in locked.content


def test_password_failures_are_limited_per_client_ip(rp, alice, bob):
    start = rp.authorize()
    for n in range(ratelimit.MAX_FAILURES_PER_IP):
        rp.sign_in(start, email=f"nobody{n}@fabrikam.example", password="wrong")

    locked = rp.sign_in(start, email=bob.email)

    assert b"Too many failed attempts" in locked.content


def test_totp_failures_are_limited_per_account(rp, alice):
    step = rp.sign_in(rp.authorize(**TRANSFER))
    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT):
        rp.second_factor(step, alice, code="000000")

    locked = rp.second_factor(step, alice)

    assert b"Too many failed attempts" in locked.content


def test_the_sign_in_form_carries_labels_and_autocomplete_tokens(rp):
    page = rp.browser.get(rp.authorize()["Location"]).content.decode()
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert '<label for="id_email"' in page
    assert '<label for="id_password"' in page
    assert "demo identity provider" in page.lower()
    assert "Fabrikam sign-in" in page
    # One script, from a static file (the Show password button): nothing inline, and the
    # form works without it.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/devidp/password.js" defer>']


def sign_up(rp, **data):
    start = rp.authorize(**TRANSFER)
    signup = start["Location"].replace("/u/login", "/u/signup")

    class Redirect(dict):
        pass

    redirect = Redirect(Location=signup)
    return rp.submit(redirect, data)


def test_a_new_user_signs_up_enrols_totp_and_gets_an_opaque_subject(rp, demo):
    response = sign_up(
        rp, name="Dana Ruiz", email="Dana@Example.com", password="correct horse battery"
    )
    enrol_url = response["Location"]
    assert "/idp/u/mfa/enrol" in enrol_url
    page = rp.browser.get(enrol_url).content.decode()
    assert "<svg" in page
    assert 'autocomplete="one-time-code"' in page
    found = re.search(r'class="idp-secret">([A-Z2-7 ]+)<', page)
    assert found is not None
    secret = found[1].replace(" ", "")
    user = IdpUser.objects.get(email="dana@example.com")
    assert not user.has_totp
    signed_secret = re.search(r'name="signed_secret" value="([^"]+)"', page)
    csrf = re.search(r'csrfmiddlewaretoken" value="([^"]+)"', page)
    assert signed_secret is not None and csrf is not None

    done = rp.browser.post(
        enrol_url,
        {
            "code": pyotp.TOTP(secret).now(),
            "signed_secret": signed_secret[1],
            "csrfmiddlewaretoken": csrf[1],
        },
    )

    claims = verify_id_token(rp.exchange(rp.code(done)).json()["id_token"])
    assert claims["sub"].startswith("devidp|")
    assert claims["sub"] != "devidp|dana"
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    user.refresh_from_db()
    assert user.totp_secret == secret


def test_sign_up_refuses_a_weak_password_and_a_taken_email(rp, alice):
    weak = sign_up(rp, name="Eve", email="eve@example.com", password="password")
    assert weak.status_code == 200
    assert b"too common" in weak.content
    taken = sign_up(rp, name="Al", email="alice@fabrikam.example", password="long enough pass 1")
    assert b"could not create an account" in taken.content
    assert b"already exists" not in taken.content
    assert 'autocomplete="new-password"' in taken.content.decode()


def test_an_enrolled_user_cannot_reach_enrolment_to_replace_their_authenticator(rp, alice):
    response = rp.sign_in(rp.authorize(**TRANSFER))
    enrol = response["Location"].replace("/u/mfa", "/u/mfa/enrol")
    assert "/idp/u/mfa?" in rp.browser.get(enrol)["Location"]


def test_a_reused_right_code_counts_as_no_failed_attempt_and_says_when_the_next_is_due(
    rp, alice, client
):
    code = totp_code(alice)
    rp.second_factor(rp.sign_in(rp.authorize(**TRANSFER)), alice, code=code)
    other = RelyingParty(client)
    step = other.sign_in(other.authorize(**TRANSFER))

    for _ in range(ratelimit.MAX_FAILURES_PER_ACCOUNT + 1):  # more than a lock-out's worth
        again = other.second_factor(step, alice, code=code)
        assert again.status_code == 400
        page = again.content.decode()
        assert "already been used" in page
        assert re.search(r"new (one in about \d+ seconds|code)", page)
        assert "attempts left" not in page

    wrong = other.second_factor(step, alice, code="000000")
    assert b"4 attempts left" in wrong.content  # the reused codes counted for nothing


def _shown_secret(page: str) -> str:
    shown = re.search(r'class="idp-secret">([A-Z2-7 ]+)<', page)
    assert shown, "the enrolment page shows the key to type"
    return shown.group(1).replace(" ", "")


def test_reopening_the_enrolment_page_shows_the_same_key_until_it_expires(rp, demo):
    enrol_url = sign_up(rp, name="Dana Ruiz", email="dana@example.com", password="correct horse 9")[
        "Location"
    ]
    first = _shown_secret(rp.browser.get(enrol_url).content.decode())

    assert _shown_secret(rp.browser.get(enrol_url).content.decode()) == first

    IdpUser.objects.filter(email="dana@example.com").update(
        totp_pending_at=timezone.now() - timedelta(seconds=ENROL_MAX_AGE + 1)
    )
    assert _shown_secret(rp.browser.get(enrol_url).content.decode()) != first
