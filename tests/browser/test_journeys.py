"""The journeys a customer clicks through, in a real browser: sign-up with TOTP enrolment,
sign-in, accounts, a stepped-up transfer, sign-out, and the ways each can fail."""

from __future__ import annotations

import re
from decimal import Decimal

import pyotp
import pytest

from tests.browser.conftest import Tab, idp_sign_in, idp_totp, sign_in
from tests.journey import TOTP_SECRETS, both_profiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), both_profiles]

ALICE = "alice@fabrikam.example"


def balance(tab: Tab, number: str) -> Decimal:
    row = tab.page.get_by_role("row").filter(has_text=number)
    return Decimal(row.locator("td.num").inner_text().strip("$").replace(",", ""))


def step_up_for_transfer(tab: Tab, email: str = ALICE, *, shot: str = "step-up-code") -> None:
    """Open Transfer: the IdP session is recent, so it asks for the code only, after saying
    who asks and why."""
    page = tab.page
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa**")
    explain_then_ask_for_the_code(tab)
    tab.shot(shot, readme="step-up" if shot == "step-up-code" else None, phone=True)
    idp_totp(tab, email)
    page.get_by_role("heading", name="Move money").wait_for()


def explain_then_ask_for_the_code(tab: Tab) -> None:
    """The step-up page says why before it asks: the reason comes before the code field."""
    page = tab.page
    assert page.get_by_role("heading", name="Confirm it's you").is_visible()
    reason = page.get_by_text("Moving money needs a fresh second factor.")
    assert reason.is_visible() and page.get_by_text("Transfer funds, once").is_visible()
    code = page.get_by_label("6-digit code")
    assert reason.bounding_box()["y"] < code.bounding_box()["y"]
    assert page.get_by_role("link", name="Sign up").count() == 0
    assert page.get_by_label("Password").count() == 0  # the session is recent: the code only


def focused(tab: Tab) -> str:
    return tab.page.evaluate("document.activeElement.id || document.activeElement.name")


def fill_transfer(tab: Tab, amount: str, *, destination: str = "1000000021", memo: str = ""):
    page = tab.page
    page.get_by_label("From").select_option("1000000011")
    page.get_by_label("To account number").fill(destination)
    page.get_by_label("Amount (USD)").fill(amount)
    page.get_by_label("Memo (optional)").fill(memo)
    page.get_by_role("button", name="Review transfer").click()


def test_a_new_customer_signs_up_and_enrols_an_authenticator_from_the_key(tab: Tab):
    page = tab.page
    page.goto("/")
    tab.shot("landing")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Full name").fill("Dana Reyes")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password", exact=True).fill("a long demo passphrase 42")
    tab.shot("sign-up")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Your accounts").wait_for()
    tab.shot("new-customer-dashboard")

    # The first transfer needs a second factor she has not set up: the IdP enrols one, and
    # a new authenticator is only bound after the password, asked again as "Confirm it's you".
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/login**")
    page.get_by_role("heading", name="Confirm it's you").wait_for()
    assert page.get_by_role("link", name="Sign up").count() == 0
    tab.shot("confirm-password-before-enrolment")
    idp_sign_in(tab, "dana@example.com", "a long demo passphrase 42")
    page.wait_for_url("**/idp/u/mfa/enrol**")
    assert page.locator("figure svg").is_visible()  # the QR code, drawn without script
    assert (
        page.get_by_role("link", name="open it in your authenticator app")
        .get_attribute("href")
        .startswith("otpauth://totp/")
    )
    secret = page.locator(".idp-secret").inner_text().replace(" ", "")
    assert page.get_by_role("button", name="Copy key").get_attribute("data-copy") == secret
    assert "make totp" not in page.content()  # not a seeded demo user
    tab.shot("enrol-totp", readme="enrol-totp", full_page=True)
    page.get_by_label("6-digit code").fill(tab.totp(secret))
    page.get_by_role("button", name="Verify and continue").click()

    page.get_by_role("heading", name="Move money").wait_for()
    tab.shot("enrolled-transfer-form")


def test_a_demo_customer_signs_in_and_reads_her_accounts_and_history(tab: Tab):
    page = tab.page
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/idp/u/login**")
    tab.shot("idp-sign-in", readme="sign-in")
    idp_sign_in(tab, ALICE)

    page.get_by_role("heading", name="Your accounts").wait_for()
    assert page.get_by_role("cell", name="1000000011").is_visible()
    assert page.get_by_role("cell", name="1000000021").count() == 0  # Bob's is not hers
    tab.shot("dashboard", readme="dashboard", phone=True)

    page.get_by_role("row").filter(has_text="1000000011").get_by_role("link").click()
    page.get_by_role("heading", name="Account 1000000011").wait_for()
    assert page.get_by_text("Salary").first.is_visible()
    assert page.get_by_text(re.compile(r"Page 1 of \d+")).is_visible()
    tab.shot("history")


def test_a_transfer_steps_up_sends_money_once_and_the_next_one_asks_for_the_code_again(
    tab: Tab,
):
    page = tab.page
    sign_in(tab)
    before = balance(tab, "1000000011")

    step_up_for_transfer(tab)
    tab.shot("transfer-form")
    fill_transfer(tab, "12.34", memo="Dinner")
    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert page.get_by_text("Bob O.").is_visible()
    assert page.get_by_text("Checking account").is_visible()  # a name beside the number
    tab.shot("confirm", readme="confirm")
    page.get_by_role("button", name="Send $12.34").click()

    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert page.get_by_text("Transfer sent").count() == 1  # said once, no flash repeating it
    assert page.get_by_text("You sent $12.34 to Bob O.").is_visible()
    tab.shot("receipt", readme="receipt", phone=True)
    page.get_by_role("link", name="Back to your accounts").click()
    assert balance(tab, "1000000011") == before - Decimal("12.34")
    tab.shot("balances-after")

    # The elevated token was spent: the next transfer asks again, for the code only.
    step_up_for_transfer(tab, shot="asked-again")

    # Statements accept the transfer's second factor: no other trip to the IdP.
    page.get_by_role("link", name="Accounts").first.click()
    page.get_by_role("row").filter(has_text="1000000011").get_by_role("link").click()
    page.get_by_role("link", name="Statements").click()
    page.get_by_role("heading", name=re.compile("Statement for")).wait_for()
    assert "/idp/" not in page.url


def test_signing_out_ends_the_bank_and_the_idp_sessions(tab: Tab):
    page = tab.page
    sign_in(tab)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Banking with step-up authentication, done right").wait_for()
    tab.shot("signed-out")

    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/idp/u/login**")  # the IdP forgot her: the password again
    assert page.get_by_label("Password").is_visible()
    tab.shot("password-asked-again")


def test_a_wrong_password_is_refused_at_the_idp(tab: Tab):
    page = tab.page
    page.goto("/login")
    page.wait_for_url("**/idp/u/login**")
    idp_sign_in(tab, ALICE, "not-the-password")

    assert page.get_by_text("do not match").is_visible()
    assert page.get_by_text("4 attempts left").is_visible()
    assert focused(tab) == "id_password"  # the field that failed, not the email
    assert page.title().startswith("Error: ")
    tab.shot("wrong-password")
    idp_sign_in(tab, ALICE)  # and the right one still works
    page.get_by_role("heading", name="Your accounts").wait_for()


def test_a_wrong_code_is_refused_and_moves_no_money(tab: Tab):
    page = tab.page
    sign_in(tab)
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa**")
    right = pyotp.TOTP(TOTP_SECRETS[ALICE]).now()
    idp_totp(tab, ALICE, code=f"{(int(right) + 500_000) % 1_000_000:06d}")

    assert page.get_by_text("not right").is_visible()
    assert page.get_by_text("4 attempts left").is_visible()
    assert page.get_by_label("6-digit code").input_value() == ""  # cleared, to type afresh
    assert focused(tab) == "id_code"
    tab.shot("wrong-code")
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name="Move money").wait_for()


def test_more_than_the_balance_is_refused_with_a_clear_message(tab: Tab):
    page = tab.page
    sign_in(tab)
    balance_before = balance(tab, "1000000011")
    too_much = balance_before + Decimal("100.00")
    step_up_for_transfer(tab)
    fill_transfer(tab, str(too_much))

    assert page.get_by_role("heading", name="Move money").is_visible()
    available = f"${balance_before:,.2f}"
    assert page.get_by_text(f"more than the available balance of {available}").first.is_visible()
    # After a failed submit focus is on the error summary, read out first; its link leads on.
    assert tab.page.evaluate("document.activeElement.className") == "error-summary"
    assert page.get_by_label("Amount (USD)").get_attribute("aria-invalid") == "true"
    assert page.title().startswith("Error: ")
    summary = page.get_by_role("link", name=re.compile("more than the available balance"))
    assert summary.get_attribute("href") == "#id_amount"  # the error summary links to it
    tab.shot("insufficient-funds")


def test_cancelling_the_second_factor_moves_nothing_and_keeps_the_customer_signed_in(tab: Tab):
    page = tab.page
    sign_in(tab)
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa**")

    page.get_by_role("button", name="Cancel and go back").click()

    # The IdP answers the bank's callback with access_denied, as Auth0 does.
    page.get_by_role("heading", name="Your accounts").wait_for()  # still signed in
    assert page.get_by_text("You cancelled the verification").is_visible()
    tab.shot("cancelled")
    # Cancelling was a choice, not a failure: the next Transfer goes straight to the IdP.
    page.get_by_role("link", name="Transfer").click()
    page.wait_for_url("**/idp/u/mfa**")


def test_cancelling_the_first_sign_in_is_a_choice_not_an_error(tab: Tab):
    page = tab.page
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/idp/u/login**")
    page.get_by_role("button", name="Cancel and go back").click()

    page.get_by_role("heading", name="Banking with step-up authentication, done right").wait_for()
    assert page.get_by_role("status").get_by_text("You cancelled signing in.").is_visible()
    assert page.get_by_text("did not work").count() == 0
    tab.shot("sign-in-cancelled")


def test_statements_step_up_once_and_download_as_csv(tab: Tab):
    page = tab.page
    sign_in(tab)
    page.get_by_role("row").filter(has_text="1000000011").get_by_role("link").click()
    page.get_by_role("link", name="Statements").click()

    # A web-only step-up: the ID token must show a recent second factor.
    page.wait_for_url("**/idp/u/mfa**")
    tab.shot("statement-step-up")
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name=re.compile(r"Statement for \d{4}-\d{2}")).wait_for()
    tab.shot("statement", readme="statement")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download CSV")).click()
    csv = download.value.path().read_text()
    assert download.value.suggested_filename.endswith(".csv")
    assert csv.splitlines()[0].lower().startswith("date")
    assert "1000000011" in download.value.suggested_filename + csv

    # Within the step-up window the statement opens without another trip to the IdP.
    page.get_by_role("link", name="Accounts").first.click()
    page.get_by_role("row").filter(has_text="1000000011").get_by_role("link").click()
    page.get_by_role("link", name="Statements").click()
    page.get_by_role("heading", name=re.compile(r"Statement for")).wait_for()
    assert "/idp/" not in page.url
