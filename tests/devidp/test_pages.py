"""The IdP's pages as a person reads them: who asks and why, errors on the field that failed,
attempts left before a lock-out, and a way back from every dead end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from devidp.models import IdpSession, IdpUser

from .conftest import MFA_POLICY, totp_code

pytestmark = pytest.mark.django_db

TRANSFER = {"scope": "openid transfer:funds", "acr_values": MFA_POLICY}


def page(rp, response) -> str:
    return rp.browser.get(response["Location"]).content.decode()


def tag(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found is not None
    return found[0]


def test_the_first_sign_in_names_the_app_and_what_it_may_see(rp, alice):
    html = page(rp, rp.authorize())

    assert "<h1>Sign in</h1>" in html and "Fabrikam Bank" in html
    assert "See your accounts, balances and history" in html
    assert "Sign up" in html
    assert "autofocus" in tag(html, "email")


def test_a_step_up_explains_itself_before_asking_for_the_code(rp, alice):
    rp.login(alice)
    html = page(rp, rp.authorize(nonce="2", **TRANSFER))

    assert "<h1>Confirm it's you</h1>" in html
    explanation = html.index("Moving money needs a fresh second factor.")
    assert "Transfer funds, once" in html
    assert explanation < html.index('name="code"')
    assert "Sign up" not in html and "Sign in</h1>" not in html
    assert "make totp USER=alice@fabrikam.example" in html  # a seeded demo user


def test_a_step_up_shows_the_clients_own_purpose_escaped_instead_of_the_generic_one(rp, alice):
    rp.login(alice)
    purpose = "Statements show your full history <b>now</b>."
    html = page(rp, rp.authorize(nonce="2", scope="openid", acr_values=MFA_POLICY, purpose=purpose))

    assert "Statements show your full history &lt;b&gt;now&lt;/b&gt;." in html
    assert "A sensitive page or action" not in html


def test_a_step_up_on_an_old_session_confirms_the_person_with_the_password(rp, alice, settings):
    rp.login(alice)
    IdpSession.objects.update(auth_time=timezone.now() - timedelta(hours=1))
    html = page(rp, rp.authorize(nonce="2", **TRANSFER))

    assert "<h1>Confirm it's you</h1>" in html and "Sign up" not in html
    assert 'value="alice@fabrikam.example"' in tag(html, "email")
    assert "autofocus" in tag(html, "password") and "autofocus" not in tag(html, "email")


def test_a_wrong_code_is_tied_to_its_field_cleared_and_counts_down(rp, alice):
    rp.login(alice)
    response = rp.second_factor(rp.authorize(nonce="2", **TRANSFER), alice, code="000000")
    html = response.content.decode()

    code = tag(html, "code")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in code and "autofocus" in code
    assert 'aria-describedby="id_code_error"' in code and 'id="id_code_error"' in html
    assert "value=" not in code  # typed afresh, never echoed
    assert "4 attempts left before sign-in is paused for 15 minutes" in html
    assert "<title>Error: " in html


def test_the_last_attempt_says_sign_in_is_paused(rp, alice):
    start = rp.authorize()
    for _ in range(4):
        rp.sign_in(start, password="wrong")
    html = rp.sign_in(start, password="wrong").content.decode()

    assert "No attempts left: sign-in is paused for up to 15 minutes" in html
    assert "Too many failed attempts" in rp.sign_in(start).content.decode()


def test_a_wrong_password_puts_the_focus_on_the_password(rp, alice):
    html = rp.sign_in(rp.authorize(), password="wrong").content.decode()

    password = tag(html, "password")
    assert 'aria-invalid="true"' in password and "autofocus" in password
    assert "autofocus" not in tag(html, "email")
    assert "do not match" in html and "attempts left" in html


def test_the_make_totp_hint_is_only_for_the_seeded_demo_users(rp, demo):
    dana = IdpUser(email="dana@example.com", name="Dana", sub="devidp|x1", totp_secret="A" * 32)
    dana.set_password("a long demo passphrase 42")
    dana.save()
    html = page(
        rp,
        rp.sign_in(
            rp.authorize(**TRANSFER), email=dana.email, password="a long demo passphrase 42"
        ),
    )

    assert 'name="code"' in html
    assert "make totp" not in html


def test_enrolment_offers_a_link_for_this_phone_and_a_copy_button(rp, alice):
    alice.totp_secret = ""
    alice.save()
    html = page(rp, rp.sign_in(rp.authorize(**TRANSFER)))

    assert re.search(r'<a class="idp-app-link" href="otpauth://totp/', html)
    found = re.search(r'data-copy="([A-Z2-7]+)"', html)
    assert found is not None
    secret = found[1]
    found = re.search(r'class="idp-secret">([A-Z2-7 ]+)<', html)
    assert found is not None
    assert secret == found[1].replace(" ", "")
    assert '<script src="/static/devidp/copy.js" defer></script>' in html
    assert "a stolen password alone cannot" in html


def test_an_error_page_leads_back_to_the_application(rp, alice):
    unknown = rp.authorize(redirect_uri="http://127.0.0.1:8000/callback")
    assert unknown.status_code == 400

    assert '<a href="http://localhost:8000/">Back to Fabrikam Bank</a>' in unknown.content.decode()
    expired = rp.browser.get("/idp/u/mfa?tx=stale").content.decode()
    assert '<a href="http://localhost:8000/">Back to Fabrikam Bank</a>' in expired


def test_the_way_back_never_follows_a_url_from_the_request(rp, alice):
    html = rp.browser.get("/idp/u/login?tx=stale&client_id=evil").content.decode()

    assert "evil" not in html
    assert 'href="http://localhost:8000/"' in html


def test_a_code_is_still_accepted_after_a_wrong_one(rp, alice):
    rp.login(alice)
    step_up = rp.authorize(nonce="2", **TRANSFER)
    rp.second_factor(step_up, alice, code="000000")

    assert rp.second_factor(step_up, alice, code=totp_code(alice)).status_code == 302
