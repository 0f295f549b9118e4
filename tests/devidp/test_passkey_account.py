"""The IdP account page (/idp/u/account): a person lists, adds and removes their passkeys,
behind their IdP session and a recent second factor, with CSRF-protected POSTs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from devidp.models import IdpSession, Passkey

from .authenticator import SoftAuthenticator
from .conftest import RelyingParty, totp_code
from .test_passkey_step_up import csrf, enrol

pytestmark = pytest.mark.django_db

ACCOUNT = "/idp/u/account"


@pytest.fixture
def signed_in(rp, alice):
    """Alice's browser, signed in at the IdP with her password (no second factor)."""
    rp.login(alice)
    return rp.browser


def unlock(browser, alice):
    page = browser.get(ACCOUNT)
    return browser.post(
        "/idp/u/account/verify", {"code": totp_code(alice), "csrfmiddlewaretoken": csrf(page)}
    )


def add_passkey(browser, device: SoftAuthenticator, name: str = "Laptop", tx: str = ""):
    page = browser.get(ACCOUNT)
    token = csrf(page)
    options = browser.post(
        "/idp/u/passkeys/options", {"purpose": "register", "csrfmiddlewaretoken": token}
    )
    assert options.status_code == 200, options.content
    return browser.post(
        "/idp/u/account/passkeys" + (f"?tx={tx}" if tx else ""),
        {
            "credential": device.create(options.json()["publicKey"]),
            "name": name,
            "attachment": "platform",
            "csrfmiddlewaretoken": token,
        },
    )


def device() -> SoftAuthenticator:
    return SoftAuthenticator(origin="http://localhost:8000", rp_id="localhost")


def test_without_an_idp_session_the_page_says_to_sign_in_first():
    page = Client().get(ACCOUNT)
    assert page.status_code == 401
    assert b"Sign in first" in page.content
    assert b'href="http://localhost:8000/"' in page.content  # back to the site


def test_a_password_alone_shows_the_passkeys_but_cannot_change_them(signed_in, alice):
    enrol(alice)
    page = signed_in.get(ACCOUNT)
    assert page.status_code == 200
    assert b"Laptop" in page.content
    assert b"Confirm it" in page.content
    assert b"Remove Laptop" not in page.content
    refused = signed_in.post(
        "/idp/u/passkeys/options", {"purpose": "register", "csrfmiddlewaretoken": csrf(page)}
    )
    assert refused.status_code == 403
    passkey = Passkey.objects.get()
    removal = signed_in.post(
        f"/idp/u/account/passkeys/{passkey.pk}/remove", {"csrfmiddlewaretoken": csrf(page)}
    )
    assert removal.status_code == 403
    assert Passkey.objects.exists()


def test_after_a_code_a_person_adds_passkeys_with_names_and_dates(signed_in, alice):
    assert unlock(signed_in, alice).status_code == 302
    assert add_passkey(signed_in, device(), "Work laptop").status_code == 302
    assert add_passkey(signed_in, device(), "Blue key").status_code == 302
    page = signed_in.get(ACCOUNT).content.decode()
    assert "Work laptop" in page and "Blue key" in page
    assert "never used" in page
    assert "added " in page
    assert list(alice.passkeys.values_list("name", flat=True)) == ["Work laptop", "Blue key"]


def test_a_passkey_verifies_the_account_page_too(signed_in, alice):
    key = enrol(alice)
    page = signed_in.get(ACCOUNT)
    token = csrf(page)
    options = signed_in.post(
        "/idp/u/passkeys/options", {"purpose": "authenticate", "csrfmiddlewaretoken": token}
    ).json()["publicKey"]
    signed_in.post(
        "/idp/u/account/verify", {"credential": key.get(options), "csrfmiddlewaretoken": token}
    )
    assert b"Remove Laptop" in signed_in.get(ACCOUNT).content
    assert any("hwk" in session.amr for session in IdpSession.objects.filter(user=alice))


def test_a_wrong_code_keeps_it_locked(signed_in, alice):
    page = signed_in.get(ACCOUNT)
    answer = signed_in.post(
        "/idp/u/account/verify", {"code": "000000", "csrfmiddlewaretoken": csrf(page)}
    )
    assert answer.status_code == 400
    assert b"That code is not right" in answer.content
    assert b"Add a passkey" not in answer.content


def test_a_code_from_someone_without_an_authenticator_app_is_refused_with_a_reason(
    signed_in, alice
):
    alice.totp_secret = ""  # e.g. signed up and added only a passkey
    alice.save(update_fields=["totp_secret"])
    page = signed_in.get(ACCOUNT)

    answer = signed_in.post(
        "/idp/u/account/verify", {"code": "123456", "csrfmiddlewaretoken": csrf(page)}
    )

    assert answer.status_code == 400
    assert b"no authenticator app" in answer.content


def test_a_person_removes_a_passkey(signed_in, alice):
    unlock(signed_in, alice)
    add_passkey(signed_in, device())
    passkey = alice.passkeys.get()
    page = signed_in.get(ACCOUNT)
    removed = signed_in.post(
        f"/idp/u/account/passkeys/{passkey.pk}/remove", {"csrfmiddlewaretoken": csrf(page)}
    )
    assert removed.status_code == 302
    assert not alice.passkeys.exists()


def test_no_one_removes_someone_elses_passkey(signed_in, alice, bob):
    unlock(signed_in, alice)
    bobs = enrol(bob)  # noqa: F841 - Bob's passkey exists
    page = signed_in.get(ACCOUNT)
    passkey = bob.passkeys.get()
    answer = signed_in.post(
        f"/idp/u/account/passkeys/{passkey.pk}/remove", {"csrfmiddlewaretoken": csrf(page)}
    )
    assert answer.status_code == 404
    assert bob.passkeys.exists()


def test_changes_need_the_csrf_token(signed_in, alice):
    unlock(signed_in, alice)
    add_passkey(signed_in, device())
    passkey = alice.passkeys.get()
    assert signed_in.post(f"/idp/u/account/passkeys/{passkey.pk}/remove").status_code == 403
    assert signed_in.post("/idp/u/account/passkeys", {"name": "x"}).status_code == 403
    assert alice.passkeys.exists()


def test_the_page_locks_again_ten_minutes_after_the_second_factor(signed_in, alice):
    unlock(signed_in, alice)
    IdpSession.objects.filter(user=alice).update(auth_time=timezone.now() - timedelta(minutes=11))
    assert b"Add a passkey" not in signed_in.get(ACCOUNT).content


def test_from_a_step_up_the_page_leads_back_to_it(rp, alice):
    """A payment needs a passkey she does not have: she adds one and carries on."""
    phishing_resistant = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"
    rp.login(alice, scope="openid transfer:funds")  # a code a moment ago
    response = RelyingParty(rp.browser).authorize(
        scope="openid transfer:funds", acr_values=phishing_resistant
    )
    assert "/idp/u/mfa/passkey" in response["Location"]
    tx = response["Location"].split("tx=")[1]
    assert add_passkey(rp.browser, device(), tx=tx).status_code == 302
    page = rp.browser.get(f"{ACCOUNT}?tx={tx}").content.decode()
    assert f'href="/idp/u/mfa/passkey?tx={tx}"' in page
