"""Approving on a paired phone in real Chromium, with two contexts: the customer's desktop
browser (1280 px) and their phone (390 px, the IdP's phone app at /idp/device/). Pairing
by the account page's link; a transfer step-up by push with number matching; a decline;
a payment approved by push; and the assistant's payment (CIBA) approved on the phone.
Every page state is checked with axe at both widths, the phone's pages included."""

from __future__ import annotations

import json
import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from jose import jwt

from accounts.models import Account
from accounts.services import deposit_make
from oidc_client.session import ELEVATED_KEY
from tests.browser.axe import SIZES
from tests.browser.conftest import ARTIFACTS, Tab, idp_totp, sign_in
from tests.browser.test_approval import session_of
from tests.browser.test_journeys import ALICE, balance, fill_transfer
from tests.journey import FAPI2, both_profiles, web_client_key
from transfers.assistant import AssistantFailed, Bill, assistant_pay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLOSING_SHOTS = Path(django_settings.BASE_DIR) / "docs" / "screenshots" / "issue-24"


@pytest.fixture
def phone(chromium, bank, request, settings):
    """The customer's phone: a second browser context at a phone's width. It polls without
    holding requests open, so no request outlives the test's database."""
    settings.DEVIDP_PHONE_WAIT = 0
    context = chromium.new_context(viewport=SIZES["390"], base_url=bank, is_mobile=True)
    context.set_default_timeout(15_000)
    tab = Tab(context.new_page(), request.node.name.removeprefix("test_") + "-phone")
    yield tab
    context.close()
    assert tab.csp_violations == [], "the Content-Security-Policy blocked something"
    assert [str(f) for f in tab.axe_findings] == [], "axe-core: serious or critical violations"


def keep(tab: Tab, name: str) -> None:
    """A copy for the issue's closing note."""
    CLOSING_SHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=CLOSING_SHOTS / f"{name}.png")


def pair(tab: Tab, phone: Tab, name: str = "Alice's Pixel") -> None:
    """Desktop: account page, a code unlocks it, Pair a phone; the phone opens the link."""
    page = tab.page
    sign_in(tab)
    page.goto("/idp/u/account")
    idp_totp(tab, ALICE)
    page.get_by_role("button", name="Pair a phone").click()
    page.get_by_role("heading", name="Pair a phone").wait_for()
    tab.shot("pairing-qr-code")
    link = page.get_by_role("link", name="Open the pairing link").get_attribute("href")
    phone.page.goto(link)
    phone.page.get_by_role("heading", name="Pair this phone").wait_for()
    phone.shot("phone-pair")
    phone.page.get_by_label("Name this phone").fill(name)
    phone.page.get_by_role("button", name="Pair this phone").click()
    phone.page.get_by_role("heading", name="No requests").wait_for()
    phone.shot("phone-waiting")
    page.goto("/idp/u/account")
    page.get_by_text(name, exact=True).wait_for()
    page.goto("/")


def shown_number(tab: Tab) -> str:
    return tab.page.locator(".push-number").inner_text().strip()


@both_profiles
def test_a_customer_pairs_a_phone_and_steps_up_for_a_transfer_by_push(tab: Tab, phone: Tab):
    page = tab.page
    pair(tab, phone)
    assert page.url.endswith("/")

    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa/push**")  # no passkey: the phone comes before a code
    number = shown_number(tab)
    assert re.fullmatch(r"\d\d", number)
    assert page.get_by_role("link", name="Use a code from your authenticator app instead")
    tab.shot("push-number")
    keep(tab, "browser-number")

    phone.page.get_by_role("heading", name="Fabrikam Bank asks you to approve").wait_for()
    assert phone.page.get_by_text("Transfer funds, once").is_visible()
    assert phone.page.get_by_text("Chrome on Linux").is_visible()
    numbers = phone.page.get_by_role("group", name="Tap the number your browser shows")
    assert len(numbers.get_by_role("button").all()) == 3
    phone.shot("phone-request")
    keep(phone, "phone-request")
    phone.page.get_by_role("button", name=f"Approve: the browser shows {number}").click()
    phone.page.get_by_text("Approved. You can go back to your browser.").wait_for()

    page.get_by_role("heading", name="Move money").wait_for()  # moved on by itself
    claims = jwt.get_unverified_claims(
        session_of(tab)[ELEVATED_KEY]["transfer:funds"]["access_token"]
    )
    assert claims["amr"] == ["pwd", "swk", "mca", "mfa"]
    assert claims["acr"] == "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
    folder = ARTIFACTS / tab.name  # the decoded claims, for the record (never the token)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "push-token-claims.json").write_text(json.dumps(claims, indent=2))
    page.goto("/security")
    elevated = page.get_by_role("region", name="Access tokens: what the web app may do")
    for method in ("swk", "mca", "mfa"):
        assert elevated.locator(".pill", has_text=method).first.is_visible()
    tab.shot("security-push", full_page=True)


@both_profiles
def test_a_decline_on_the_phone_sends_nothing_and_the_bank_says_so(tab: Tab, phone: Tab):
    page = tab.page
    pair(tab, phone)
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa/push**")
    phone.page.get_by_role("button", name="Deny: this was not me").click()
    phone.page.get_by_text("Declined. Nothing was approved.").wait_for()
    page.get_by_text("You declined on your phone, so nothing was sent or opened.").wait_for()
    tab.shot("declined-on-phone")


@both_profiles
def test_a_payment_is_approved_by_push_and_the_phone_shows_exactly_that_payment(
    tab: Tab, phone: Tab, bank
):
    page = tab.page
    deposit_make(
        account=Account.objects.get(number="1000000011"), amount=Decimal("5000.00"), memo="Funds"
    )
    pair(tab, phone)
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa/push**")
    phone.page.get_by_role("button", name=f"Approve: the browser shows {shown_number(tab)}").click()
    page.get_by_role("heading", name="Move money").wait_for()
    before = balance_of("1000000011")

    fill_transfer(tab, "2500.00", memo="Car")
    page.get_by_role("button", name="Approve $2,500.00 at the identity provider").click()
    page.get_by_role("button", name="Approve $2,500.00 to Bob O.").click()
    page.wait_for_url("**/idp/u/mfa/push**")
    phone.page.get_by_text(
        "Pay $2,500.00 to Bob O., account ending 0021, from Checking ending 0011"
    ).wait_for()
    phone.shot("phone-payment")
    keep(phone, "phone-payment")
    phone.page.get_by_role("button", name=f"Approve: the browser shows {shown_number(tab)}").click()
    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    page.get_by_role("button", name="Send $2,500.00").click()
    page.get_by_text("Transfer sent").first.wait_for()
    tab.shot("sent-by-push")
    assert balance_of("1000000011") == before - Decimal("2500.00")


def balance_of(number: str) -> Decimal:
    return Account.objects.get(number=number).balance


@both_profiles
def test_the_assistants_payment_moves_once_alice_approves_it_on_her_phone(
    tab: Tab, phone: Tab, settings, bank, profile, tmp_path
):
    settings.ASSISTANT_CLIENT_ID = "fabrikam-assistant"
    settings.ASSISTANT_CLIENT_SECRET = "demo-only-fabrikam-assistant-secret"
    settings.API_ALLOWED_CLIENTS = {"transfer:funds": ["fabrikam-web", "fabrikam-assistant"]}
    settings.DEVIDP_CIBA_INTERVAL = 1
    if profile == FAPI2:
        # As `make demo PROFILE=fapi2` does: the assistant signs private_key_jwt assertions
        # with a key of its own, registered inline at the IdP; its tokens are DPoP-bound.
        key = web_client_key()
        key_file = tmp_path / "assistant.demo-only.private.jwk"
        key_file.write_text(json.dumps(key.as_dict(private=True)))
        settings.ASSISTANT_CLIENT_KEY_FILE = str(key_file)
        settings.DEVIDP_ASSISTANT_CLIENT_JWKS = {"keys": [key.as_dict(private=False)]}
        call_command("devidp_seed", verbosity=0)
    pair(tab, phone)
    before = balance_of("1000000011")
    lines: list[str] = []
    outcome: dict = {}

    def run() -> None:
        bill = Bill(email=ALICE, destination="1000000021", amount=Decimal("42.00"), memo="Power")
        try:
            outcome["receipt"] = assistant_pay(bill, say=lines.append, progress=lines.append)
        except AssistantFailed as exc:
            outcome["failed"] = str(exc)
        finally:
            connection.close()

    assistant = threading.Thread(target=run)
    assistant.start()
    phone.page.get_by_role("heading", name="Fabrikam Assistant asks you to approve").wait_for()
    found = re.search(r"code (FAB-\d{4})", lines[0])
    assert found is not None
    code = found[1]
    assert phone.page.get_by_text(code).is_visible()
    assert phone.page.get_by_text(
        "Pay $42.00 to Bob O., account ending 0021, from Checking ending 0011"
    ).is_visible()
    phone.shot("phone-assistant-request")
    keep(phone, "phone-assistant-request")
    phone.page.get_by_role("button", name="Approve", exact=True).click()
    assistant.join(timeout=30)
    assert outcome.get("receipt") is not None, outcome
    assert outcome["receipt"].transfer["status"] == "completed"
    assert balance_of("1000000011") == before - Decimal("42.00")
    # Nothing left for the phone to show, and the dashboard shows the payment.
    tab.page.goto("/")
    assert balance(tab, "1000000011") == before - Decimal("42.00")
