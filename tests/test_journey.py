"""The whole journey in-process: sign in, see accounts, step up with TOTP, move money."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from django.contrib.auth import SESSION_KEY

from accounts.models import Account, StepUpEvent
from oidc_client.session import ELEVATED_KEY
from tests.journey import Browser, both_profiles
from transfers.models import Transfer

pytestmark = [pytest.mark.django_db(transaction=True), both_profiles]


def balance_of(page, number: str) -> Decimal:
    row = re.search(rf"{number}</td>.*?<td class=\"num\"[^>]*>\$([0-9,]+\.[0-9]{{2}})", page, re.S)
    assert row is not None
    return Decimal(row[1].replace(",", ""))


def test_a_visitor_signs_in_and_sees_their_accounts_from_the_api(browser: Browser):
    assert b"Sign in" in browser.get("/").content

    response = browser.sign_in(next_url="/accounts/")

    assert response["Location"] == "/accounts/"
    page = browser.get("/accounts/").content.decode()
    assert "1000000011" in page and "1000000012" in page
    assert "1000000021" not in page  # Bob's account is not Alice's business
    history = browser.get("/accounts/1000000011/").content.decode()
    assert "Salary" in history and "Page 1 of" in history


def test_the_transfer_page_steps_up_with_totp_and_moves_money_once(browser: Browser):
    browser.sign_in()
    before = balance_of(browser.get("/").content.decode(), "1000000011")

    # Opening the transfer page sends the user back to the IdP for transfer:funds + MFA.
    step_up = browser.get("/transfers/new")
    asked = browser.authorization_request(step_up)  # in the URL, or pushed (fapi2)
    assert asked["scope"] == "openid transfer:funds"
    assert "max_age" not in asked
    assert asked["acr_values"].startswith("http")
    pages: list[str] = []
    back = browser.through_idp(step_up, "alice@fabrikam.example", pages=pages)
    assert pages == ["totp"]  # a recent IdP session: the second factor only
    assert back["Location"] == "/transfers/new"

    form = browser.get("/transfers/new")
    assert form.status_code == 200
    found = re.search(rb'name="idempotency_key" value="([^"]+)"', form.content)
    assert found is not None
    key = found[1].decode()
    review = browser.post(
        "/transfers/new",
        {
            "source": "1000000011",
            "destination": "1000000021",
            "amount": "12.34",
            "memo": "Dinner",
            "idempotency_key": key,
        },
    )
    assert review["Location"] == "/transfers/confirm"
    confirm = browser.get("/transfers/confirm").content.decode()
    assert "Bob O." in confirm and "$12.34" in confirm

    elevated = browser.client.session[ELEVATED_KEY]["transfer:funds"]["access_token"]
    sent = browser.post("/transfers/confirm")

    assert sent.status_code == 302 and sent["Location"].startswith("/transfers/")
    receipt = browser.get(sent["Location"]).content.decode()
    assert "Transfer sent" in receipt and "Dinner" in receipt
    assert ELEVATED_KEY not in browser.client.session  # used once, then discarded
    after = balance_of(browser.get("/").content.decode(), "1000000011")
    assert after == before - Decimal("12.34")
    history = browser.get("/accounts/1000000011/").content.decode()
    assert "Dinner" in history

    # The spent token is refused by the API, even presented again as the bank sends it.
    import requests

    replay = requests.post(
        f"{browser.site}/api/transfers",
        json={"source": "1000000011", "destination": "1000000021", "amount": "1.00"},
        headers={"Idempotency-Key": "replay-attempt"},
        auth=browser.api_auth(elevated),
        timeout=10,
    )
    assert replay.status_code == 401
    assert "already been used" in replay.json()["detail"]

    # The next transfer asks for the second factor again.
    again = browser.get("/transfers/new")
    assert again.status_code == 302 and "/idp/authorize" in again["Location"]


def test_a_resubmitted_confirmation_never_moves_money_twice(browser: Browser):
    key = stepped_up_with_a_reviewed_transfer(browser, "5.00", destination="1000000012")
    first = browser.post("/transfers/confirm")
    second = browser.post("/transfers/confirm")  # a double click

    assert first.status_code == 302
    assert second.status_code == 302 and second["Location"] == "/"  # nothing pending
    assert Transfer.objects.filter(idempotency_key=key).count() == 1


def test_the_dashboard_makes_one_api_call_per_account_and_no_key_fetch_in_steady_state(
    browser: Browser, monkeypatch
):
    from accounts import api_client
    from api_auth import jwks

    browser.sign_in()
    browser.get("/")  # warm: the API has fetched discovery and keys once
    calls: list[tuple] = []
    fetches: list[int] = []
    original_request = api_client._session.request
    original_fetch = jwks.jwks_fetch

    def counted_request(*a, **k):
        calls.append(a)
        return original_request(*a, **k)

    def counted_fetch():
        fetches.append(1)
        return original_fetch()

    monkeypatch.setattr(api_client._session, "request", counted_request)
    monkeypatch.setattr(jwks, "jwks_fetch", counted_fetch)

    for _ in range(3):
        assert browser.get("/").status_code == 200

    # The accounts, then each open account's latest movements (Alice has two accounts).
    assert len(calls) == 3 * (1 + 2)
    assert fetches == []


def test_logout_ends_both_sessions(browser: Browser):
    browser.sign_in()
    response = browser.post("/logout")
    assert SESSION_KEY not in browser.client.session
    assert "/idp/oidc/logout" in response["Location"]
    assert browser.get(response["Location"])["Location"].startswith("http://testserver/")

    pages: list[str] = []
    browser.through_idp(browser.get("/login"), "alice@fabrikam.example", pages=pages)
    assert pages == ["password"]  # the IdP forgot us too


def stepped_up_with_a_reviewed_transfer(
    browser: Browser, amount: str = "3.00", destination: str = "1000000021"
) -> str:
    """Sign in as Alice, step up, and review a transfer; return its idempotency key."""
    browser.sign_in()
    browser.through_idp(browser.get("/transfers/new"), "alice@fabrikam.example")
    form = browser.get("/transfers/new")
    found = re.search(rb'name="idempotency_key" value="([^"]+)"', form.content)
    assert found is not None
    key = found[1].decode()
    data = {"source": "1000000011", "destination": destination, "amount": amount}
    assert browser.post("/transfers/new", {**data, "idempotency_key": key}).status_code == 302
    return key


def review_transfer_then_age_the_token(browser: Browser, settings) -> None:
    """Step up, review $7.00 to Bob, then make the API want a second factor from this very
    second, so the elevated token is too old when it is sent."""
    stepped_up_with_a_reviewed_transfer(browser, amount="7.00")
    settings.API_STEP_UP_MAX_AGE, settings.API_TOKEN_LEEWAY = 0, 0
    time.sleep(1.1)


def test_an_rfc_9470_challenge_steps_up_and_returns_to_the_confirmation(browser, settings):
    review_transfer_then_age_the_token(browser, settings)

    challenged = browser.post("/transfers/confirm")

    assert "/idp/authorize" in challenged["Location"]
    assert browser.authorization_request(challenged)["max_age"] == "0"
    back = browser.through_idp(challenged, "alice@fabrikam.example")
    assert back["Location"] == "/transfers/confirm"
    confirm = browser.get("/transfers/confirm").content.decode()
    assert "Bob O." in confirm and "$7.00" in confirm  # the transfer waits, filled in
    assert not Transfer.objects.filter(amount=Decimal("7.00")).exists()  # nothing moved yet
    settings.API_STEP_UP_MAX_AGE, settings.API_TOKEN_LEEWAY = 300, 30

    sent = browser.post("/transfers/confirm")

    assert "Transfer sent" in browser.get(sent["Location"]).content.decode()
    assert Transfer.objects.filter(amount=Decimal("7.00")).count() == 1
    assert StepUpEvent.objects.filter(outcome="step_up_passed").count() == 2


def test_a_second_challenge_after_a_step_up_is_not_followed_and_the_transfer_waits(
    browser, settings
):
    review_transfer_then_age_the_token(browser, settings)
    browser.through_idp(browser.post("/transfers/confirm"), "alice@fabrikam.example")
    time.sleep(1.1)

    refused = browser.post("/transfers/confirm")

    assert refused.status_code == 302 and refused["Location"] == "/transfers/confirm"  # no loop
    page = browser.get("/transfers/confirm").content.decode()
    assert "was not sent" in page and "still here" in page
    assert "Bob O." in page and "$7.00" in page  # never lost: sending again is one click
    assert not Transfer.objects.filter(amount=Decimal("7.00")).exists()


def test_an_expired_access_token_signs_in_again_silently_and_returns(browser: Browser):
    browser.sign_in()
    session = browser.client.session
    session["oidc_tokens"]["expires_at"] = int(time.time()) - 1
    session.save()

    response = browser.get("/accounts/1000000011/?page=1")

    assert response["Location"].startswith("/login?")
    assert "prompt=none" in response["Location"]
    pages: list[str] = []
    back = browser.through_idp(browser.get(response["Location"]), "x", pages=pages)
    assert pages == []  # the IdP's session still knows Alice: no page at all
    assert back["Location"] == "/accounts/1000000011/?page=1"
    assert browser.get(back["Location"]).status_code == 200


def test_an_unreachable_api_shows_a_clear_page_not_a_500(browser: Browser, settings):
    browser.sign_in()
    settings.API_BASE_URL = "http://127.0.0.1:9/api/"

    response = browser.get("/")

    assert response.status_code == 503
    assert b"not answering" in response.content


def swap_elevated_token(browser: Browser, token: str) -> None:
    session = browser.client.session
    session[ELEVATED_KEY]["transfer:funds"]["access_token"] = token
    session.save()


def test_a_refused_elevated_token_gets_a_clear_message_and_a_way_forward(browser: Browser):
    stepped_up_with_a_reviewed_transfer(browser)
    swap_elevated_token(browser, "not-a-real-token")

    response = browser.post("/transfers/confirm")

    assert response["Location"] == "/transfers/confirm"
    page = browser.get("/transfers/confirm").content.decode()
    assert "expired or was already used" in page
    assert "Verify and continue" in page  # the next click steps up again


def test_a_token_without_transfer_funds_is_explained(browser: Browser):
    stepped_up_with_a_reviewed_transfer(browser)
    swap_elevated_token(browser, browser.client.session["oidc_tokens"]["access_token"])

    response = browser.post("/transfers/confirm")

    page = browser.get(response["Location"]).content.decode()
    assert "did not grant permission to move money" in page
    assert not Transfer.objects.filter(amount=Decimal("3.00")).exists()


def test_the_dashboard_shows_the_total_a_move_money_action_and_the_latest_movements(
    browser: Browser,
):
    browser.sign_in()
    page = browser.get("/").content.decode()

    total = sum(
        (a.balance for a in Account.objects.filter(customer__sub="devidp|alice")), Decimal(0)
    )
    assert f"Total balance <strong>${total:,.2f}</strong>" in page
    assert re.search(r'<a class="button" href="/transfers/new">Move money</a>', page)
    recent = page[page.index('id="recent-title"') :]
    assert recent.count('<td data-label="Date">') == 5


def test_the_receipt_names_both_accounts_and_says_sent_once(browser: Browser):
    stepped_up_with_a_reviewed_transfer(browser, "7.50", destination="1000000021")
    confirm = browser.get("/transfers/confirm").content.decode()
    assert "Checking account" in confirm and "Bob O." in confirm

    sent = browser.post("/transfers/confirm")
    receipt = browser.get(sent["Location"]).content.decode()

    assert receipt.count("Transfer sent") == 2  # the page title and its one heading
    assert "You sent <strong>$7.50</strong> to <strong>Bob O.</strong>" in receipt
    assert "Checking account" in receipt and "1000000021" in receipt
    assert 'class="messages"' not in receipt  # no flash repeating the heading
