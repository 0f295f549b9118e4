"""Pairing a phone (`devidp/phone.py`): a one-time, five-minute code made on the account
page after a recent second factor; the phone registers only its public P-256 key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from devidp.models import IdpSession, PairingCode, PhoneDevice

from .conftest import RelyingParty
from .phone import ACCOUNT, SoftPhone, pairing_code
from .test_passkey_account import unlock
from .test_passkey_step_up import csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def unlocked(rp, alice):
    """Alice's browser at the IdP: password, then a code on the account page just now."""
    rp.login(alice)
    unlock(rp.browser, alice)
    return rp.browser


def test_a_phone_pairs_with_the_code_from_the_account_page(unlocked, alice):
    phone = SoftPhone()
    response = phone.pair(pairing_code(unlocked), name="Pixel 9")
    assert response.status_code == 201
    assert response.json()["account"] == "alice@fabrikam.example"
    device = PhoneDevice.objects.get()
    assert (device.user, device.name) == (alice, "Pixel 9")
    assert "d" not in device.public_jwk  # only the public half ever reaches the IdP
    page = unlocked.get(ACCOUNT)
    assert b"Pixel 9" in page.content and b"never used" in page.content


def test_the_pairing_page_shows_a_qr_code_and_a_link_with_the_code_in_its_fragment(unlocked):
    page = unlocked.get(ACCOUNT)
    response = unlocked.post("/idp/u/account/phones/pair", {"csrfmiddlewaretoken": csrf(page)})
    assert b"<svg" in response.content
    assert b'href="http://localhost:8000/idp/device/#pair=' in response.content
    assert PairingCode.objects.get().code_hash not in response.content.decode()


def test_a_pairing_code_works_once(unlocked):
    code = pairing_code(unlocked)
    assert SoftPhone().pair(code).status_code == 201
    second = SoftPhone().pair(code)
    assert second.status_code == 400
    assert "already used" in second.json()["error"]
    assert PhoneDevice.objects.count() == 1


def test_a_pairing_code_expires_after_five_minutes(unlocked):
    code = pairing_code(unlocked)
    row = PairingCode.objects.get()
    assert row.expires_at - row.created_at == timedelta(minutes=5)
    PairingCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = SoftPhone().pair(code)
    assert response.status_code == 400
    assert not PhoneDevice.objects.exists()


def test_a_made_up_code_pairs_nothing(demo):
    assert SoftPhone().pair("not-a-code").status_code == 400
    assert not PhoneDevice.objects.exists()


def test_a_code_pairs_the_phone_with_the_account_that_made_it_not_another(unlocked, alice, bob):
    """Bob's phone, given Alice's code, is paired with Alice (whose code it is), never with
    Bob; and the code made in Alice's session cannot be used by Bob's browser for Bob."""
    SoftPhone().pair(pairing_code(unlocked))
    assert not PhoneDevice.objects.filter(user=bob).exists()
    assert PhoneDevice.objects.get().user == alice


def test_pairing_needs_a_second_factor_in_the_last_ten_minutes(rp, alice):
    rp.login(alice)  # a password only
    page = rp.browser.get(ACCOUNT)
    refused = rp.browser.post("/idp/u/account/phones/pair", {"csrfmiddlewaretoken": csrf(page)})
    assert refused.status_code == 403
    assert not PairingCode.objects.exists()


def test_an_old_second_factor_no_longer_unlocks_pairing(unlocked):
    IdpSession.objects.update(auth_time=timezone.now() - timedelta(minutes=11))
    page = unlocked.get(ACCOUNT)
    refused = unlocked.post("/idp/u/account/phones/pair", {"csrfmiddlewaretoken": csrf(page)})
    assert refused.status_code == 403
    assert not PairingCode.objects.exists()


def test_without_an_idp_session_nothing_can_be_paired(demo):
    assert Client().post("/idp/u/account/phones/pair").status_code == 404


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
        "not a key",
    ],
)
def test_only_a_p256_public_key_is_accepted(unlocked, jwk):
    response = Client().post(
        "/idp/device/pair",
        {"code": pairing_code(unlocked), "name": "Phone", "jwk": jwk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not PhoneDevice.objects.exists()


def test_a_private_key_is_refused_not_stored(unlocked):
    phone = SoftPhone()
    private = phone.key.as_dict(private=True)
    response = Client().post(
        "/idp/device/pair",
        {"code": pairing_code(unlocked), "name": "Phone", "jwk": private},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not PhoneDevice.objects.exists()


@pytest.mark.parametrize("body", [b"[]", b"not json", b'{"code": 1}'])
def test_a_malformed_pairing_request_is_a_400_not_a_500(demo, body):
    response = Client().post("/idp/device/pair", body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_several_phones_can_be_paired_and_one_removed(unlocked, alice):
    SoftPhone().pair(pairing_code(unlocked), name="Phone A")
    SoftPhone().pair(pairing_code(unlocked), name="Phone B")
    assert alice.phones.count() == 2
    page = unlocked.get(ACCOUNT)
    first = alice.phones.get(name="Phone A")
    response = unlocked.post(
        f"/idp/u/account/phones/{first.pk}/remove", {"csrfmiddlewaretoken": csrf(page)}
    )
    assert response.status_code == 302
    assert list(alice.phones.values_list("name", flat=True)) == ["Phone B"]


def test_another_customer_cannot_remove_alices_phone(unlocked, alice, bob):
    SoftPhone().pair(pairing_code(unlocked))
    device = PhoneDevice.objects.get()
    bobs = RelyingParty(Client(enforce_csrf_checks=True))
    bobs.login(bob)
    unlock(bobs.browser, bob)
    page = bobs.browser.get(ACCOUNT)
    response = bobs.browser.post(
        f"/idp/u/account/phones/{device.pk}/remove", {"csrfmiddlewaretoken": csrf(page)}
    )
    assert response.status_code == 404
    assert PhoneDevice.objects.filter(pk=device.pk).exists()


def test_a_paired_phone_polls_with_its_own_signature_only(unlocked):
    phone = SoftPhone()
    phone.pair(pairing_code(unlocked))
    assert phone.poll().status_code == 200
    impostor = SoftPhone()
    impostor.device = phone.device  # names Alice's phone, signs with another key
    assert impostor.poll().status_code == 401
    stale = phone.poll(iat=1)
    assert stale.status_code == 401
    assert Client().get("/idp/device/requests").status_code == 401


def test_the_phone_app_is_installable(demo):
    page = Client().get("/idp/device/")
    assert page.status_code == 200
    assert b'rel="manifest"' in page.content
    manifest = Client().get("/idp/device/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    assert manifest.json()["scope"] == "/idp/device/"
    worker = Client().get("/idp/device/sw.js")
    assert worker.status_code == 200
    assert b'"/idp/device/"' in worker.content  # the shell it caches, filled in


def test_housekeeping_forgets_spent_pairing_codes_and_old_requests(unlocked):
    from devidp.housekeeping import expired_rows_delete

    pairing_code(unlocked)
    PairingCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired_rows_delete()
    assert not PairingCode.objects.exists()
