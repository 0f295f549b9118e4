"""The money journeys where approval and passkeys meet, walked in a real browser: a $5,000
payment with only a code and with a passkey (one approval, never a bounce), own accounts as
known payees, amounts as the site writes them, a reused code, and where focus goes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from accounts.models import Account
from accounts.services import deposit_make
from tests.browser.conftest import Tab, idp_totp, sign_in
from tests.browser.test_journeys import ALICE, fill_transfer, step_up_for_transfer
from tests.browser.test_pages import horizontal_overflow
from tests.browser.test_passkeys import (
    add_passkey_on_the_account_page,
    use_passkey,
    virtual_authenticator,
)
from tests.journey import TOTP_SECRETS
from transfers.models import Transfer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice_can_afford_it(bank):
    checking = Account.objects.get(number="1000000011")
    deposit_make(account=checking, amount=Decimal("5000.00"), memo="Test funds")
    return checking


def approval_pages(tab: Tab) -> list[str]:
    """Every visit to the IdP's approval page, as it happens."""
    seen: list[str] = []

    def on_navigated(frame) -> None:
        if "/idp/u/consent" in frame.url:
            seen.append(frame.url)

    tab.page.on("framenavigated", on_navigated)
    return seen


def test_a_5000_payment_with_only_a_code_says_a_passkey_is_needed_first_and_never_bounces(
    tab: Tab, alice_can_afford_it
):
    page = tab.page
    virtual_authenticator(tab)
    approvals = approval_pages(tab)
    sign_in(tab)
    step_up_for_transfer(tab)
    fill_transfer(tab, "5000.00", memo="Car")

    # Before any approval: a passkey is needed, a code will not do, and how to add one.
    page.get_by_role("heading", name="This payment needs a passkey").wait_for()
    notice = page.locator("#passkey-needed").inner_text()
    assert "will not be enough" in notice and "No passkey yet?" in notice
    assert page.get_by_role("link", name=re.compile("add one on your account page")).is_visible()
    assert page.get_by_text("ask for your authenticator code").count() == 0
    tab.shot("confirm-passkey-needed")
    page.get_by_role("button", name="Approve $5,000.00 at the identity provider").click()

    # The first approval request already names the phishing-resistant policy.
    page.get_by_role("heading", name="Approve a payment").wait_for()
    approval = page.locator("main").inner_text()
    assert "you have none yet" in approval and "one-time code" not in approval
    tab.shot("approve-needs-passkey")
    page.get_by_role("button", name="Approve $5,000.00 to Bob O.").click()

    page.get_by_role("heading", name="A passkey is needed").wait_for()
    assert page.get_by_role("link", name=re.compile("Use a code")).count() == 0
    page.get_by_role("link", name="Add a passkey on your account page").click()
    add_passkey_on_the_account_page(tab)
    page.get_by_role("link", name="Continue and use your passkey").click()
    use_passkey(tab)

    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert page.get_by_text("Approved at the identity provider with your passkey").is_visible()
    assert page.get_by_text("No passkey yet?").count() == 0
    page.get_by_role("button", name="Send $5,000.00").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()

    assert len(approvals) == 1  # one approval, no second trip with the same question
    assert Transfer.objects.filter(amount=Decimal("5000.00"), status="completed").count() == 1


def test_a_5000_payment_with_a_passkey_is_approved_once_and_sent(tab: Tab, alice_can_afford_it):
    page = tab.page
    virtual_authenticator(tab)
    approvals = approval_pages(tab)
    sign_in(tab)
    page.get_by_role("link", name="Security").first.click()
    page.get_by_role("link", name="Manage your passkeys at the identity provider").click()
    idp_totp(tab, ALICE)
    add_passkey_on_the_account_page(tab)
    page.get_by_role("link", name="Back to Fabrikam").click()
    page.get_by_role("link", name="Transfer").click()
    use_passkey(tab)
    page.get_by_role("heading", name="Move money").wait_for()
    fill_transfer(tab, "5000.00")

    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert page.get_by_text("No passkey yet?").count() == 0  # she just used one
    assert page.get_by_text("you confirm with your passkey").is_visible()
    page.get_by_role("button", name="Approve $5,000.00 at the identity provider").click()
    page.get_by_role("heading", name="Approve a payment").wait_for()
    assert page.get_by_text("Next you confirm this approval with your passkey").is_visible()
    assert "authenticator app)" not in page.locator("main").inner_text()  # no code offered
    page.get_by_role("button", name="Approve $5,000.00 to Bob O.").click()
    page.wait_for_url("**/idp/u/mfa/passkey**")
    assert page.get_by_role("link", name=re.compile("Use a code")).count() == 0
    tab.shot("passkey-confirms-approval")
    use_passkey(tab)

    page.get_by_role("button", name="Send $5,000.00").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert len(approvals) == 1
    assert Transfer.objects.filter(amount=Decimal("5000.00"), status="completed").count() == 1


def test_moving_money_between_own_accounts_needs_no_approval(tab: Tab):
    page = tab.page
    sign_in(tab)
    step_up_for_transfer(tab)
    page.get_by_label("From").select_option("1000000012")
    page.get_by_label("To account number").fill("1000000011")
    page.get_by_label("Amount (USD)").fill("100.50")
    page.get_by_role("button", name="Review transfer").click()

    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert page.get_by_text("not paid before").count() == 0
    tab.shot("own-account-confirm")
    page.get_by_role("button", name="Send $100.50").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert "/idp/" not in page.url
    assert Transfer.objects.filter(amount=Decimal("100.50"), status="completed").count() == 1


def test_amounts_are_read_as_the_site_writes_them(tab: Tab, settings):
    settings.TRANSACTION_APPROVAL_THRESHOLD = Decimal("10000.00")  # about the amount only
    page = tab.page
    sign_in(tab)
    step_up_for_transfer(tab)
    fill_transfer(tab, "$1,000.00")  # as the dashboard prints it, to Bob (paid before)

    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert page.get_by_role("button", name="Send $1,000.00").is_visible()
    page.get_by_role("button", name="Send $1,000.00").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert Transfer.objects.filter(amount=Decimal("1000.00"), status="completed").count() == 1


def test_a_reused_code_says_when_the_next_is_due_and_counts_nothing(tab: Tab, alice_can_afford_it):
    page = tab.page
    sign_in(tab)
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa**")
    code = tab.totp(TOTP_SECRETS[ALICE])
    idp_totp(tab, ALICE, code=code)
    page.get_by_role("heading", name="Move money").wait_for()
    fill_transfer(tab, "2500.00")
    page.get_by_role("button", name="Approve $2,500.00 at the identity provider").click()
    page.get_by_role("button", name="Approve $2,500.00 to Bob O.").click()

    idp_totp(tab, ALICE, code=code)  # the same code, within its 30 seconds

    assert page.get_by_text("already been used").is_visible()
    assert page.get_by_text(re.compile(r"new (one in about \d+ seconds|code)")).is_visible()
    assert page.get_by_text("attempts left").count() == 0
    tab.shot("reused-code")
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name="Confirm your transfer").wait_for()


def focused(tab: Tab) -> dict:
    return tab.page.evaluate(
        """() => ({tag: document.activeElement.tagName,
                  cls: document.activeElement.className,
                  text: document.activeElement.textContent.trim().slice(0, 60)})"""
    )


def test_focus_goes_to_the_error_summary_the_page_and_the_outcome(tab: Tab):
    page = tab.page
    page.goto("/login")
    page.wait_for_url("**/idp/u/login**")
    page.get_by_label("Email").focus()
    ring = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"""
    )
    assert ring == ["solid", "3px", "rgb(27, 31, 59)"]  # the IdP's ink, as strong as the bank's
    page.get_by_label("Password").fill("fabrikam-demo")
    page.get_by_label("Email").fill(ALICE)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your accounts").wait_for()
    step_up_for_transfer(tab)

    assert focused(tab) == {"tag": "H1", "cls": "", "text": "Move money"}
    page.get_by_label("To account number").fill("1000000021")
    page.get_by_label("Amount (USD)").fill("999999")
    page.get_by_role("button", name="Review transfer").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert focused(tab)["cls"] == "error-summary"
    tab.shot("error-summary-focused")

    page.get_by_label("Amount (USD)").fill("7.00")
    page.get_by_role("button", name="Review transfer").click()
    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert focused(tab)["text"] == "Confirm your transfer"
    page.keyboard.press("Tab")
    assert focused(tab)["text"] == "Send $7.00"  # the next stop, not seven header links

    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert focused(tab) == {"tag": "H1", "cls": "", "text": "Transfer sent"}


# --- reflow (WCAG 1.4.10): every page of both sites at 320 CSS pixels ----------------------

PHONE = {"width": 320, "height": 700}
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5).map((e) => e.tagName + "." + e.className)"""


class Reflow:
    """Each page's sideways overflow at 320 px, and what sticks out, asserted at the end so
    one run names every page that fails."""

    def __init__(self, tab: Tab):
        self.tab = tab
        self.widths: dict[str, int] = {}
        self.culprits: dict[str, list[str]] = {}
        tab.page.set_viewport_size(PHONE)

    def check(self, name: str, *, shot: bool = True) -> None:
        self.widths[name] = horizontal_overflow(self.tab)
        if self.widths[name]:
            self.culprits[name] = self.tab.page.evaluate(WIDEST)
        if shot:
            self.tab.shot(f"{name}-320")

    def assert_none(self) -> None:
        assert self.widths == dict.fromkeys(self.widths, 0), self.culprits


def test_every_page_a_newcomer_sees_on_both_sites_reflows_at_320_px(tab: Tab):
    page = tab.page
    reflow = Reflow(tab)
    page.goto("/")
    reflow.check("landing", shot=False)  # photographed by the journeys already
    page.goto("/how-it-works")
    reflow.check("how-it-works", shot=False)
    assert page.get_by_text("scroll it sideways").is_visible()  # the diagram scrolls
    page.goto("/no/such/page")
    reflow.check("not-found", shot=False)
    page.goto("/idp/u/login?tx=stale")
    reflow.check("idp-expired-link", shot=False)
    page.goto("/idp/u/account")
    reflow.check("idp-account-signed-out")
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/idp/u/login**")
    reflow.check("idp-sign-in", shot=False)
    page.get_by_role("link", name="Sign up").click()
    reflow.check("idp-sign-up")
    page.get_by_label("Full name").fill("Dana Reyes")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password", exact=True).fill("a long demo passphrase 42")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Your accounts").wait_for()
    reflow.check("new-customer-dashboard")
    page.get_by_role("link", name="Transfer").click()
    page.get_by_role("heading", name="Confirm it's you").wait_for()
    reflow.check("idp-confirm-password")
    page.get_by_label("Password").fill("a long demo passphrase 42")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/idp/u/mfa/enrol**")
    qr = page.locator("figure svg").bounding_box()
    assert qr["x"] >= 0 and qr["x"] + qr["width"] <= PHONE["width"]  # the QR code, whole
    reflow.check("idp-enrol")
    secret = page.locator(".idp-secret").inner_text().replace(" ", "")
    page.get_by_label("6-digit code").fill(tab.totp(secret))
    page.get_by_role("button", name="Verify and continue").click()
    page.get_by_role("heading", name="Move money").wait_for()
    reflow.check("new-customer-transfer")
    page.goto("/logout")
    reflow.check("sign-out-confirm", shot=False)
    page.get_by_role("button", name="Sign out").last.click()
    page.wait_for_load_state()
    reflow.check("signed-out", shot=False)

    reflow.assert_none()


def test_every_page_a_customer_uses_on_both_sites_reflows_at_320_px(tab: Tab, alice_can_afford_it):
    page = tab.page
    sign_in(tab)
    reflow = Reflow(tab)
    reflow.check("dashboard", shot=False)
    page.goto("/accounts/")
    reflow.check("accounts", shot=False)
    page.goto("/accounts/1000000011/")
    reflow.check("history", shot=False)
    page.get_by_role("link", name="Statements").click()
    page.wait_for_url("**/idp/u/mfa**")
    reflow.check("idp-code")
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name=re.compile("Statement for")).wait_for()
    reflow.check("statement", shot=False)
    page.goto("/transfers/new")
    page.wait_for_url("**/idp/u/mfa**")
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name="Move money").wait_for()
    reflow.check("transfer", shot=False)
    fill_transfer(tab, "2,500.00")
    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    reflow.check("confirm-before-approval")
    page.get_by_role("button", name="Approve $2,500.00 at the identity provider").click()
    page.get_by_role("heading", name="Approve a payment").wait_for()
    reflow.check("idp-approve")
    for target in ("Approve $2,500.00 to Bob O.", "Decline this payment"):
        box = page.get_by_role("button", name=target).bounding_box()
        assert box["height"] >= 24, target  # WCAG 2.5.8
    page.get_by_role("button", name="Approve $2,500.00 to Bob O.").click()
    page.wait_for_url("**/idp/u/mfa**")
    box = page.get_by_role("button", name="Cancel and go back").bounding_box()
    assert box["height"] >= 24
    reflow.check("idp-code-for-approval", shot=False)
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    page.goto("/security")
    reflow.check("security")  # holding an approval: the widest state of the page
    page.goto("/transfers/confirm")
    page.get_by_role("button", name="Send $2,500.00").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    reflow.check("receipt", shot=False)
    page.goto("/how-it-works")
    reflow.check("how-it-works-signed-in", shot=False)
    page.goto("/idp/u/account")
    reflow.check("idp-account")

    reflow.assert_none()


def test_the_idp_shows_a_password_on_request_and_a_cancel_returns_where_the_customer_was(
    tab: Tab,
):
    page = tab.page
    page.goto("/login")
    page.wait_for_url("**/idp/u/login**")
    page.get_by_label("Email").fill(ALICE)
    page.get_by_label("Password").fill("fabrikam-demo")
    reveal = page.get_by_role("button", name="Show password")
    reveal.click()
    assert page.get_by_label("Password").get_attribute("type") == "text"
    assert reveal.get_attribute("aria-pressed") == "true"
    tab.shot("password-shown")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your accounts").wait_for()

    page.get_by_role("row").filter(has_text="1000000011").get_by_role("link").click()
    page.get_by_role("heading", name="Account 1000000011").wait_for()
    page.get_by_role("link", name="Statements").click()
    page.wait_for_url("**/idp/u/mfa**")
    page.get_by_role("button", name="Cancel and go back").click()

    page.get_by_role("heading", name="Account 1000000011").wait_for()  # not the dashboard
    assert page.get_by_text("You cancelled the verification").is_visible()
