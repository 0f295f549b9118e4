"""The approval level end to end, in-process against the real embedded IdP on a live
server: a payment at the threshold is shown on the IdP's approval page, approved with a
fresh code and sent once; declining sends nothing; a small payment to a known payee needs no
approval; and an approval is for that payment only."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from accounts.models import Account
from oidc_client.session import ELEVATED_KEY
from tests.journey import Browser, both_profiles
from transfers.models import Transfer

pytestmark = [pytest.mark.django_db(transaction=True), both_profiles]
ALICE = "alice@fabrikam.example"


def balance(number: str) -> Decimal:
    return Account.objects.get(number=number).balance


def review(browser: Browser, amount: str, destination: str = "1000000021", memo: str = "") -> None:
    """Sign in, step up for the transfer page, fill it in: the confirmation page waits."""
    browser.sign_in()
    browser.through_idp(browser.get("/transfers/new"), ALICE)
    form = browser.get("/transfers/new")
    found = re.search(rb'name="idempotency_key" value="([^"]+)"', form.content)
    assert found is not None
    key = found[1].decode()
    reviewed = browser.post(
        "/transfers/new",
        {
            "source": "1000000011",
            "destination": destination,
            "amount": amount,
            "memo": memo,
            "idempotency_key": key,
        },
    )
    assert reviewed["Location"] == "/transfers/confirm", reviewed.content[:300]


def test_a_payment_at_the_threshold_is_approved_as_that_payment_and_sent_once(browser):
    review(browser, "1000.00", memo="March rent")
    before = balance("1000000011")
    confirm = browser.get("/transfers/confirm").content.decode()
    assert "Approve $1,000.00 at the identity provider" in confirm

    to_idp = browser.post("/transfers/confirm")
    assert (
        "request_uri=" in to_idp["Location"] and "authorization_details" not in to_idp["Location"]
    )
    pages: list[str] = []
    seen: dict[str, str] = {}
    back = browser.through_idp(to_idp, ALICE, pages=pages, seen=seen)

    assert pages == ["approve", "totp"]  # the payment is shown, then a fresh code confirms it
    assert "$1,000.00" in seen["approve"] and "Bob O." in seen["approve"]
    assert "ending 0021" in seen["approve"] and "ending 0011" in seen["approve"]
    assert "With the memo <strong>March rent</strong>" in seen["approve"]  # what Bob reads
    assert back["Location"] == "/transfers/confirm"
    held = browser.client.session[ELEVATED_KEY]["transfer:funds"]["authorization_details"]
    assert held[0]["amount"] == "1000.00" and held[0]["destination"] == "1000000021"
    assert held[0]["memo"] == "March rent"

    sent = browser.post("/transfers/confirm")
    assert sent.status_code == 302 and sent["Location"].startswith("/transfers/")
    assert "Transfer sent" in browser.get(sent["Location"]).content.decode()
    assert balance("1000000011") == before - Decimal("1000.00")
    assert Transfer.objects.filter(amount=Decimal("1000.00"), memo="March rent").count() == 1


def test_declining_at_the_idp_returns_to_the_confirmation_with_nothing_sent(browser):
    review(browser, "1000.00")
    before = balance("1000000011")

    back = browser.through_idp(browser.post("/transfers/confirm"), ALICE, approve=False)

    assert back["Location"] == "/transfers/confirm"
    page = browser.get("/transfers/confirm").content.decode()
    assert "declined the approval" in page and "$1,000.00" in page  # still waiting
    assert balance("1000000011") == before
    assert not Transfer.objects.filter(amount=Decimal("1000.00")).exists()


def test_a_small_payment_to_a_known_payee_needs_no_approval(browser):
    review(browser, "7.00")  # Alice has paid Bob before (the seeded "Dinner, thanks!")
    confirm = browser.get("/transfers/confirm").content.decode()
    assert "at the identity provider" not in confirm

    sent = browser.post("/transfers/confirm")
    assert sent["Location"].startswith("/transfers/") and "request_uri" not in sent["Location"]
    assert Transfer.objects.filter(amount=Decimal("7.00")).count() == 1


def test_an_approval_is_not_used_for_a_tampered_pending_payment(browser):
    review(browser, "1000.00")
    browser.through_idp(browser.post("/transfers/confirm"), ALICE)
    before = balance("1000000011")
    session = browser.client.session
    session["pending_transfer"]["amount"] = "1900.00"  # the pending payment is changed
    session.save()

    again = browser.post("/transfers/confirm")

    # The approval was for 1,000.00: the web app asks again, showing the new amount.
    assert "request_uri=" in again["Location"]
    seen: dict = {}
    browser.through_idp(again, ALICE, approve=False, seen=seen)
    assert "$1,900.00" in seen["approve"]
    assert balance("1000000011") == before
    assert not Transfer.objects.filter(amount__in=[Decimal("1000.00"), Decimal("1900.00")]).exists()
