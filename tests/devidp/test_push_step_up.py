"""Push with number matching as the second factor (`devidp/push.py`, `views/push.py`): the
browser shows a number, the phone picks it from three and signs its decision with its key.

Each refusal is shown where an attacker would try it: a phone without the key, a replayed
answer, a wrong number, an expired or another session's request, a removed phone, and the
fatigue limits that stop a flood of prompts."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from devidp import push
from devidp.models import PhoneDevice, PushRequest

from .conftest import (
    MFA_POLICY,
    RelyingParty,
    authorization_details,
    query,
    verify_access_token,
    verify_id_token,
)
from .phone import SoftPhone, paired_phone
from .test_passkey_step_up import csrf, enrol

pytestmark = pytest.mark.django_db

TRANSFER = {"scope": "openid profile email transfer:funds", "acr_values": MFA_POLICY}
PHISHING_RESISTANT = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


@pytest.fixture
def phone(alice) -> SoftPhone:
    return paired_phone(alice)


def push_page(rp, alice, **overrides):
    """Sign in, then ask for a step-up; the IdP sends the browser to the push page."""
    rp.login(alice)
    response = rp.authorize(**{**TRANSFER, "nonce": fresh(), **overrides})
    assert "/idp/u/mfa/push" in response["Location"], response["Location"]
    page = rp.browser.get(response["Location"], HTTP_USER_AGENT=DESKTOP)
    assert page.status_code == 200, page.content
    return response["Location"], page


def fresh() -> str:
    return secrets.token_urlsafe(8)  # a new nonce: the IdP refuses a client's reused one


def shown_number(page) -> int:
    found = re.search(rb'class="push-number"[^>]*>(\d\d)<', page.content)
    assert found is not None
    return int(found[1])


def continue_(rp, url, page):
    return rp.browser.post(url, {"action": "continue", "csrfmiddlewaretoken": csrf(page)})


def test_the_phone_shows_who_asks_for_what_from_which_browser_and_three_numbers(rp, alice, phone):
    _url, page = push_page(rp, alice)
    (request,) = phone.requests()
    assert request["app"] == "Fabrikam Bank"
    assert "transfer funds, once" in request["asks"]
    assert request["browser"] == "Chrome on Linux"
    assert len(request["choices"]) == 3
    assert shown_number(page) in request["choices"]


def test_approving_with_the_number_shown_completes_the_step_up(rp, alice, phone):
    url, page = push_page(rp, alice)
    (request,) = phone.requests()
    assert phone.answer(request, number=shown_number(page)).json() == {"state": "approved"}
    tokens = rp.exchange(rp.code(continue_(rp, url, page))).json()
    id_claims = verify_id_token(tokens["id_token"])
    access = verify_access_token(tokens["access_token"])
    for claims in (id_claims, access):
        assert claims["amr"] == ["pwd", "swk", "mca", "mfa"]
        assert claims["acr"] == MFA_POLICY  # never the phishing-resistant policy
    assert "transfer:funds" in access["scope"].split()
    assert PhoneDevice.objects.get().last_used_at is not None


def test_the_id_token_names_the_phone_that_approved_and_the_access_token_does_not(rp, alice, phone):
    url, page = push_page(rp, alice)
    (request,) = phone.requests()
    phone.answer(request, number=shown_number(page))
    tokens = rp.exchange(rp.code(continue_(rp, url, page))).json()
    assert verify_id_token(tokens["id_token"])["device_name"] == "Alice's phone"
    assert "device_name" not in verify_access_token(tokens["access_token"])


def test_the_status_the_page_polls_moves_from_pending_to_approved(rp, alice, phone):
    url, page = push_page(rp, alice)
    status_url = url.replace("/u/mfa/push?", "/u/mfa/push/status?")
    assert rp.browser.get(status_url).json() == {"state": "pending"}
    phone.answer(phone.requests()[0], number=shown_number(page))
    assert rp.browser.get(status_url).json() == {"state": "approved"}


def test_continuing_before_the_phone_answered_issues_nothing(rp, alice, phone):
    url, page = push_page(rp, alice)
    response = continue_(rp, url, page)
    assert response.status_code == 400
    assert b"Not approved yet" in response.content


def test_a_wrong_number_cancels_the_request(rp, alice, phone):
    url, page = push_page(rp, alice)
    (request,) = phone.requests()
    wrong = next(n for n in request["choices"] if n != shown_number(page))
    refused = phone.answer(request, number=wrong)
    assert refused.status_code == 400
    assert phone.answer(request, number=shown_number(page)).status_code == 409
    response = continue_(rp, url, page)
    assert response.status_code == 400
    assert b"was not the one shown" in response.content


def test_an_answer_signed_with_another_key_is_refused(rp, alice, phone):
    url, page = push_page(rp, alice)
    (request,) = phone.requests()
    thief = SoftPhone()
    thief.device = phone.device  # names Alice's phone, but has not got its key
    refused = thief.answer(request, number=shown_number(page))
    assert refused.status_code == 400
    assert "does not match its key" in refused.json()["error"]
    assert continue_(rp, url, page).status_code == 400  # still not approved


def test_a_replayed_answer_changes_nothing(rp, alice, phone):
    url, page = push_page(rp, alice)
    (request,) = phone.requests()
    answer = phone.answer_jws(request, number=shown_number(page))
    assert phone.send(answer).status_code == 200
    assert phone.send(answer).status_code == 409
    rp.code(continue_(rp, url, page))
    assert PushRequest.objects.get().used_at is not None


def test_an_approval_is_spent_by_one_sign_in_only(rp, alice, phone):
    _url, page = push_page(rp, alice)
    phone.answer(phone.requests()[0], number=shown_number(page))
    sent = PushRequest.objects.get()
    assert push.approval_spend(sent)
    assert not push.approval_spend(sent)


def test_an_answer_of_the_wrong_kind_is_refused(rp, alice, phone):
    _url, page = push_page(rp, alice)
    (request,) = phone.requests()
    claims = {"request": request["request"], "decision": "approve", "number": shown_number(page)}
    poll_typed = phone.sign("device-poll+jwt", claims)
    assert phone.send(poll_typed).status_code == 400
    assert PushRequest.objects.get().decided_at is None


def test_an_expired_request_cannot_be_approved(rp, alice, phone):
    url, page = push_page(rp, alice)
    (request,) = phone.requests()
    assert PushRequest.objects.get().expires_at - PushRequest.objects.get().created_at == (
        timedelta(minutes=2)
    )
    PushRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert phone.answer(request, number=shown_number(page)).status_code == 409
    response = continue_(rp, url, page)
    assert b"has expired" in response.content


def test_another_sessions_approval_does_not_pass_this_step_up(rp, alice, phone):
    """Mallory's browser (Alice's password, its own IdP session) cannot ride on the
    approval Alice gave for her own browser's request."""
    url, page = push_page(rp, alice)
    phone.answer(phone.requests()[0], number=shown_number(page))
    mallory = RelyingParty(Client(enforce_csrf_checks=True))
    mallory.login(alice)
    their = mallory.authorize(**TRANSFER, nonce=fresh())
    their_url = their["Location"]
    their_page = mallory.browser.get(their_url)
    assert their_page.status_code == 200  # a prompt of its own, which nobody approved
    response = continue_(mallory, their_url, their_page)
    assert response.status_code == 400
    # ... and Alice's own link does not work in Mallory's browser at all.
    stolen = mallory.browser.post(url, {"action": "continue", "csrfmiddlewaretoken": csrf(page)})
    assert stolen.status_code in (400, 403)
    assert b"code=" not in stolen.get("Location", "").encode()
    assert PushRequest.objects.filter(decision="approve").get().used_at is None


def test_a_denial_ends_the_request_and_the_client_hears_access_denied(rp, alice, phone):
    url, page = push_page(rp, alice)
    phone.answer(phone.requests()[0], decision="deny")
    response = continue_(rp, url, page)
    params = query(response)
    assert params["error"] == "access_denied"
    assert params["error_description"] == "You declined on your phone."
    assert "code" not in params
    assert phone.requests() == []


def test_asking_again_shows_the_same_request_not_a_new_prompt(rp, alice, phone):
    url, page = push_page(rp, alice)
    again = rp.browser.get(url)
    assert shown_number(again) == shown_number(page)
    assert PushRequest.objects.count() == 1
    assert len(phone.requests()) == 1


def test_a_new_prompt_waits_thirty_seconds_then_replaces_the_old_one(rp, alice, phone):
    url, page = push_page(rp, alice)
    resend = {"action": "resend", "csrfmiddlewaretoken": csrf(page)}
    throttled = rp.browser.post(url, resend)
    assert throttled.status_code == 429
    assert b"You can send another in" in throttled.content
    PushRequest.objects.update(created_at=timezone.now() - timedelta(seconds=31))
    fresh = rp.browser.post(url, resend)
    assert fresh.status_code == 200
    assert PushRequest.objects.count() == 2
    (only,) = phone.requests()  # the old one is gone from the phone
    first = PushRequest.objects.first()
    assert first is not None
    assert only["request"] == first.request_id


def test_three_declines_in_a_row_pause_push_for_fifteen_minutes(rp, alice, phone):
    for _ in range(3):
        browser = RelyingParty(Client(enforce_csrf_checks=True))
        _url, _page = push_page(browser, alice)
        phone.answer(phone.requests()[0], decision="deny")
    rp.login(alice)
    response = rp.authorize(**TRANSFER, nonce=fresh())
    assert "/idp/u/mfa?" in response["Location"]  # the code page, not the phone
    page = rp.browser.get(response["Location"])
    assert b"Phone approvals are paused until" in page.content
    paused = rp.browser.get(response["Location"].replace("/u/mfa?", "/u/mfa/push?"))
    assert paused.status_code == 429
    PushRequest.objects.update(decided_at=timezone.now() - timedelta(minutes=15, seconds=1))
    assert push.paused_until(alice) is None


def test_an_approval_between_declines_resets_the_count(rp, alice, phone):
    for decision in ("deny", "deny", "approve", "deny"):
        browser = RelyingParty(Client(enforce_csrf_checks=True))
        _url, page = push_page(browser, alice)
        phone.answer(phone.requests()[0], decision=decision, number=shown_number(page))
    assert push.paused_until(alice) is None


def test_a_removed_phone_gets_no_requests_and_its_answers_count_for_nothing(rp, alice, phone):
    spare = paired_phone(alice, name="Old phone")
    url, page = push_page(rp, alice)
    (request,) = spare.requests()
    PhoneDevice.objects.filter(name="Old phone").delete()
    assert spare.poll().status_code == 401
    refused = spare.answer(request, number=shown_number(page))
    assert refused.status_code == 400
    assert continue_(rp, url, page).status_code == 400


def test_the_order_is_passkey_then_phone_then_code_each_one_click_away(rp, alice, phone):
    enrol(alice)
    rp.login(alice)
    response = rp.authorize(**TRANSFER, nonce=fresh())
    assert "/idp/u/mfa/passkey" in response["Location"]
    page = rp.browser.get(response["Location"])
    assert b"Approve on your phone instead" in page.content
    push_url = response["Location"].replace("/u/mfa/passkey?", "/u/mfa/push?")
    on_push = rp.browser.get(push_url)
    assert b"Use a passkey instead" in on_push.content
    assert b"Use a code from your authenticator app instead" in on_push.content


def test_a_request_for_phishing_resistance_never_goes_to_the_phone(rp, alice, phone):
    rp.login(alice)
    response = rp.authorize(**{**TRANSFER, "acr_values": PHISHING_RESISTANT}, nonce=fresh())
    push_url = response["Location"].replace("/u/mfa/passkey?", "/u/mfa/push?")
    assert "/idp/u/mfa/passkey" in rp.browser.get(push_url)["Location"]
    assert not PushRequest.objects.exists()


def test_without_javascript_the_page_offers_a_button_to_continue(rp, alice, phone):
    _url, page = push_page(rp, alice)
    assert b"I approved on my phone: continue" in page.content
    assert b'src="/static/devidp/push.js"' in page.content


def test_a_payment_is_approved_by_push_and_the_phone_shows_the_exact_payment(rp, alice, phone):
    details = authorization_details(amount="42.00", payee="Adatum R.", destination="1000000021")
    rp.login(alice)
    request_uri = rp.request_uri(**TRANSFER, nonce=fresh(), authorization_details=details)
    response = rp.authorize_pushed(request_uri)
    response = rp.decide(response)
    assert "/idp/u/mfa/push" in response["Location"]
    page = rp.browser.get(response["Location"])
    (request,) = phone.requests()
    assert request["payment"] == (
        "Pay $42.00 to Adatum R., account ending 0021, from Checking ending 0011"
    )
    phone.answer(request, number=shown_number(page))
    tokens = rp.exchange(rp.code(continue_(rp, response["Location"], page))).json()
    access = verify_access_token(tokens["access_token"])
    assert access["authorization_details"][0]["amount"] == "42.00"
    assert access["amr"] == ["pwd", "swk", "mca", "mfa"]
