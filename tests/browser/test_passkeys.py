"""Passkeys in a real Chromium, with its virtual authenticator (CDP `WebAuthn` domain, as a
platform authenticator with resident keys and user verification): enrolment on the IdP's
account page, a step-up with the passkey, the Security page naming the factor, and a
transfer above the phishing-resistant threshold; a code's token there gets the API's RFC
9470 challenge, and the site steps up once more."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.browser.conftest import Tab, idp_totp, sign_in
from tests.browser.test_journeys import ALICE, balance, fill_transfer
from tests.journey import both_profiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), both_profiles]

PHISHING_RESISTANT = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"


@pytest.fixture(autouse=True)
def _rules(settings):
    # Alice's demo balance covers it, and no approval page: these journeys are about the factor.
    settings.PHISHING_RESISTANT_THRESHOLD = Decimal("100.00")
    settings.TRANSACTION_APPROVAL_FOR_NEW_PAYEES = False


def virtual_authenticator(tab: Tab) -> None:
    """Chromium's virtual authenticator for this tab: a passkey prompt that says yes."""
    cdp = tab.page.context.new_cdp_session(tab.page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def add_passkey_on_the_account_page(tab: Tab, name: str = "Virtual laptop") -> None:
    page = tab.page
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_text(name, exact=True).wait_for()


def use_passkey(tab: Tab) -> None:
    page = tab.page
    page.wait_for_url("**/idp/u/mfa/passkey**")
    page.get_by_role("button", name="Use your passkey").click()


def test_a_customer_enrols_a_passkey_steps_up_with_it_and_sends_a_large_transfer(tab: Tab):
    page = tab.page
    virtual_authenticator(tab)
    sign_in(tab)
    before = balance(tab, "1000000011")

    # Security page -> the IdP's account page; a code unlocks it, then she adds a passkey.
    page.get_by_role("link", name="Security").first.click()
    page.get_by_role("link", name="Manage your passkeys at the identity provider").click()
    page.get_by_role("heading", name="Your passkeys").wait_for()
    idp_totp(tab, ALICE)
    add_passkey_on_the_account_page(tab)
    assert page.get_by_text("never used").is_visible()
    tab.shot("passkey-enrolled", full_page=True)
    page.get_by_role("link", name="Back to Fabrikam").click()

    # The transfer step-up offers the passkey first (a recent session: no password).
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa/passkey**")
    assert page.get_by_role("link", name="Use a code from your authenticator app instead")
    tab.shot("step-up-passkey")
    use_passkey(tab)
    page.get_by_role("heading", name="Move money").wait_for()

    # The Security page names the factor of the elevated token.
    page.goto("/security")
    elevated = page.get_by_role("region", name="Access tokens: what the web app may do")
    assert elevated.get_by_text("a passkey (phishing-resistant)").is_visible()
    assert elevated.get_by_text(PHISHING_RESISTANT).is_visible()
    for method in ("hwk", "user", "mfa"):
        assert elevated.locator(".pill", has_text=method).first.is_visible()
    tab.shot("security-passkey", full_page=True)

    page.goto("/transfers/new")
    fill_transfer(tab, "150.00", memo="Deposit")
    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert page.get_by_text(
        "with your passkey, which payments of $100.00 or more need"
    ).is_visible()
    assert page.get_by_text("No passkey yet?").count() == 0  # she has just used one
    page.get_by_role("button", name="Send $150.00").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    tab.shot("sent-with-passkey")
    page.get_by_role("link", name="Back to your accounts").click()
    assert balance(tab, "1000000011") == before - Decimal("150.00")


def test_a_code_is_not_enough_for_a_large_transfer_so_the_site_asks_for_a_passkey(tab: Tab):
    """The payment needs a passkey and her token was given for a code: the confirmation says
    so before anything is sent, and Send goes to the IdP for a passkey (the token is not
    spent on a refusal); she has none, is told how to add one, adds it and carries on."""
    page = tab.page
    virtual_authenticator(tab)
    sign_in(tab)
    before = balance(tab, "1000000011")

    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa?**")  # a recent session: the code only
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name="Move money").wait_for()
    fill_transfer(tab, "150.00")
    assert page.get_by_role("heading", name="This payment needs a passkey").is_visible()
    page.get_by_role("button", name="Confirm with a passkey").click()

    # The site asked for the phishing-resistant policy by name: the IdP asks for a passkey,
    # which she does not have yet.
    page.wait_for_url("**/idp/u/mfa/passkey**")
    page.get_by_role("heading", name="A passkey is needed").wait_for()
    assert (
        page.get_by_role("link", name="Use a code from your authenticator app instead").count() == 0
    )
    tab.shot("passkey-needed")
    assert balance_unchanged(tab, before)

    page.get_by_role("link", name="Add a passkey on your account page").click()
    page.get_by_role("heading", name="Your passkeys").wait_for()
    add_passkey_on_the_account_page(tab)  # her code a minute ago unlocks the page
    page.get_by_role("link", name="Continue and use your passkey").click()
    use_passkey(tab)

    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    page.get_by_role("button", name="Send $150.00").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    tab.shot("sent-after-second-step-up")
    page.get_by_role("link", name="Back to your accounts").click()
    assert balance(tab, "1000000011") == before - Decimal("150.00")


def balance_unchanged(tab: Tab, before: Decimal) -> bool:
    """Nothing moved while the IdP waits (read from the ledger, not the page we left)."""
    from accounts.models import Account

    return Account.objects.get(number="1000000011").balance == before
