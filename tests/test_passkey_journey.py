"""The phishing-resistant level end to end, in-process against the embedded IdP on a live
server: a transfer at or above PHISHING_RESISTANT_THRESHOLD goes through with a passkey; a
code's token gets the API's RFC 9470 challenge and the web app steps up once more, for a
passkey; a customer without one is told how to add one."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from jose import jwt

from accounts.models import Account
from oidc_client.session import ELEVATED_KEY
from tests.devidp.authenticator import SoftAuthenticator
from tests.journey import Browser, both_profiles
from transfers.models import Transfer

pytestmark = [pytest.mark.django_db(transaction=True), both_profiles]
ALICE = "alice@fabrikam.example"
PHISHING_RESISTANT = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"
MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.PHISHING_RESISTANT_THRESHOLD = Decimal("500.00")
    settings.TRANSACTION_APPROVAL_FOR_NEW_PAYEES = False  # only the amount matters here


def balance(number: str) -> Decimal:
    return Account.objects.get(number=number).balance


def passkey_for(browser: Browser, site: str, email: str = ALICE) -> SoftAuthenticator:
    """Enrol a passkey on the IdP's account page, over HTTP as the page's script would:
    unlock with a code, fetch the options, answer with the authenticator, post the form."""
    parts = urlsplit(site)
    assert parts.hostname is not None
    device = SoftAuthenticator(origin=site, rp_id=parts.hostname)
    browser.sign_in(email)
    browser.post("/idp/u/account/verify", {"code": browser.totp(email)})
    options = browser.post("/idp/u/passkeys/options", {"purpose": "register"})
    assert options.status_code == 200, options.content
    added = browser.post(
        "/idp/u/account/passkeys",
        {"credential": device.create(options.json()["publicKey"]), "name": "Laptop"},
    )
    assert added.status_code == 302, added.content[:300]
    return device


def review(browser: Browser, amount: str, **idp) -> list[str]:
    """Sign in, step up for the transfer page, fill it in; return the IdP pages seen."""
    browser.sign_in()
    pages: list[str] = []
    browser.through_idp(browser.get("/transfers/new"), ALICE, pages=pages, **idp)
    form = browser.get("/transfers/new")
    found = re.search(rb'name="idempotency_key" value="([^"]+)"', form.content)
    assert found is not None
    key = found[1].decode()
    reviewed = browser.post(
        "/transfers/new",
        {
            "source": "1000000011",
            "destination": "1000000021",
            "amount": amount,
            "idempotency_key": key,
        },
    )
    assert reviewed["Location"] == "/transfers/confirm", reviewed.content[:300]
    return pages


def held_claims(browser: Browser) -> dict:
    """The elevated token's claims, decoded for the test (never printed as a token)."""
    token = browser.client.session[ELEVATED_KEY]["transfer:funds"]["access_token"]
    return jwt.get_unverified_claims(token)


def test_a_passkey_step_up_sends_a_large_transfer_at_once(browser, site, capsys):
    device = passkey_for(browser, site)
    pages = review(browser, "600.00", passkey=device)
    assert pages == ["passkey"]  # a recent session: the factor only, the passkey first
    confirm = browser.get("/transfers/confirm").content.decode()
    assert "with your passkey, which payments of $500.00 or more need" in confirm
    assert "No passkey yet?" not in confirm  # she just used one

    claims = held_claims(browser)
    assert claims["acr"] == PHISHING_RESISTANT
    assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]
    assert claims["scope"].split() == ["openid", "transfer:funds"]
    with capsys.disabled():
        print("\npasskey-backed transfer token claims:", json.dumps(claims, indent=2))

    before = balance("1000000011")
    sent = browser.post("/transfers/confirm")
    assert sent["Location"].startswith("/transfers/"), sent["Location"]
    assert "Transfer sent" in browser.get(sent["Location"]).content.decode()
    assert balance("1000000011") == before - Decimal("600.00")


def test_a_codes_token_is_kept_and_the_site_asks_for_a_passkey_before_sending(
    browser, site, capsys
):
    """The look-ahead: the payment needs a passkey and the token was given for a code, so
    Send goes to the IdP for a passkey first, without spending the token on a refusal."""
    device = passkey_for(browser, site)
    assert review(browser, "600.00", passkey=device, prefer_code=True) == ["totp"]
    assert held_claims(browser)["acr"] == MFA
    confirm = browser.get("/transfers/confirm").content.decode()
    assert "A code from your authenticator app will not be enough" in confirm
    assert "Confirm with a passkey" in confirm
    before = balance("1000000011")

    again = browser.post("/transfers/confirm")
    asked = browser.authorization_request(again)  # in the URL, or pushed (fapi2)
    assert asked["acr_values"] == PHISHING_RESISTANT
    assert held_claims(browser)["acr"] == MFA  # still held: the API was never asked

    pages: list[str] = []
    back = browser.through_idp(again, ALICE, pages=pages, passkey=device)
    assert pages == ["passkey"]  # no password (it was recent), no code offered
    assert back["Location"] == "/transfers/confirm"
    assert held_claims(browser)["acr"] == PHISHING_RESISTANT
    sent = browser.post("/transfers/confirm")
    assert "Transfer sent" in browser.get(sent["Location"]).content.decode()
    assert balance("1000000011") == before - Decimal("600.00")
    assert Transfer.objects.filter(amount=Decimal("600.00")).count() == 1


def test_a_customer_without_a_passkey_is_told_how_to_add_one(browser):
    review(browser, "600.00")
    again = browser.post("/transfers/confirm")
    pages: list[str] = []
    seen: dict[str, str] = {}
    page = browser.through_idp(again, ALICE, pages=pages, seen=seen)
    assert pages == ["passkey_needed"]
    assert "A passkey is needed" in seen["passkey"]
    assert "/idp/u/account?tx=" in seen["passkey"]
    assert page.status_code == 200


def test_below_the_threshold_a_code_is_enough(browser):
    review(browser, "499.99")
    sent = browser.post("/transfers/confirm")
    assert "Transfer sent" in browser.get(sent["Location"]).content.decode()


def test_an_approval_and_a_passkey_are_asked_for_together_in_the_first_visit(
    browser, site, settings
):
    """Above both thresholds, after a code at the transfer page: the first approval request
    already names the phishing-resistant policy, so one approval, confirmed with a passkey,
    sends the payment (no code is offered for it, and nothing bounces)."""
    settings.TRANSACTION_APPROVAL_THRESHOLD = Decimal("550.00")
    device = passkey_for(browser, site)
    review(browser, "600.00", passkey=device, prefer_code=True)
    before = balance("1000000011")

    ask = browser.post("/transfers/confirm")
    # Pushed (RFC 9126: a payment's approval, and every request in fapi2), read where it is.
    assert browser.authorization_request(ask)["acr_values"] == PHISHING_RESISTANT
    pages: list[str] = []
    back = browser.through_idp(ask, ALICE, pages=pages, passkey=device, prefer_code=True)
    assert pages == ["approve", "passkey"]
    assert back["Location"] == "/transfers/confirm"
    claims = held_claims(browser)
    assert claims["acr"] == PHISHING_RESISTANT
    assert claims["authorization_details"][0]["amount"] == "600.00"
    sent = browser.post("/transfers/confirm")
    assert "Transfer sent" in browser.get(sent["Location"]).content.decode()
    assert balance("1000000011") == before - Decimal("600.00")
