"""Approving one payment in a real browser (RFC 9396 pushed with RFC 9126): the IdP's
approval page shows the amount and payee, a fresh code confirms it, the payment is sent
once; a pending payment changed after its approval is asked about again; a small payment to
a known payee needs no approval."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import import_module

import pytest
from django.conf import settings
from jose import jwt

from accounts.models import Account
from accounts.services import deposit_make
from oidc_client.session import ELEVATED_KEY
from tests.browser.conftest import ARTIFACTS, Tab, idp_totp, sign_in
from tests.browser.test_journeys import fill_transfer, step_up_for_transfer
from tests.journey import both_profiles
from transfers.models import Transfer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), both_profiles]
ALICE = "alice@fabrikam.example"


@pytest.fixture
def alice_can_afford_it(bank):
    checking = Account.objects.get(number="1000000011")
    deposit_make(account=checking, amount=Decimal("5000.00"), memo="Test funds")
    return checking


def session_of(tab: Tab):
    """The browser's server-side session, in whichever store the settings name."""
    cookie = next(
        c for c in tab.page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    )
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])


def test_a_large_payment_is_approved_on_the_idp_as_that_payment_and_sent_once(
    tab: Tab, alice_can_afford_it
):
    page = tab.page
    sign_in(tab)
    step_up_for_transfer(tab)
    fill_transfer(tab, "2500.00", memo="Car")
    page.get_by_role("button", name="Approve $2,500.00 at the identity provider").click()

    page.get_by_role("heading", name="Approve a payment").wait_for()
    approval = page.locator("main").inner_text()
    assert "$2,500.00" in approval and "Bob O." in approval
    assert "ending 0021" in approval and "Checking ending 0011" in approval
    tab.shot("approve-payment", readme="approve-payment", full_page=True)
    page.get_by_role("button", name="Approve $2,500.00 to Bob O.").click()
    page.wait_for_url("**/idp/u/mfa**")  # the code that confirms it, not the password
    assert page.get_by_text("This code confirms your approval of $2,500.00").is_visible()
    tab.shot("approval-code")
    idp_totp(tab, ALICE)

    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    elevated = session_of(tab)[ELEVATED_KEY]["transfer:funds"]
    claims = jwt.get_unverified_claims(elevated["access_token"])  # the API verifies it
    assert claims["authorization_details"] == elevated["authorization_details"]
    assert claims["authorization_details"][0]["amount"] == "2500.00"
    assert claims["authorization_details"][0]["payee"] == "Bob O."
    assert claims["exp"] - claims["iat"] <= 120  # short-lived
    folder = ARTIFACTS / tab.name  # the decoded claims, for the record (never the token)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "approval-token-claims.json").write_text(json.dumps(claims, indent=2))
    page.get_by_role("button", name="Send $2,500.00").click()
    page.get_by_text("Transfer sent").first.wait_for()

    assert Transfer.objects.filter(amount=Decimal("2500.00"), status="completed").count() == 1


def test_a_pending_payment_changed_after_its_approval_is_not_sent(tab: Tab, alice_can_afford_it):
    page = tab.page
    sign_in(tab)
    step_up_for_transfer(tab)
    fill_transfer(tab, "2500.00")
    page.get_by_role("button", name="Approve $2,500.00 at the identity provider").click()
    page.get_by_role("button", name="Approve $2,500.00 to Bob O.").click()
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name="Confirm your transfer").wait_for()

    session = session_of(tab)  # someone changes the pending payment after the approval
    pending = session["pending_transfer"]
    session["pending_transfer"] = {**pending, "amount": "4900.00"}
    session.save()
    page.reload()
    page.get_by_role("button", name="Approve $4,900.00 at the identity provider").click()

    # The approval of 2,500.00 is not used: the IdP is asked again, about the new amount.
    page.get_by_role("heading", name="Approve a payment").wait_for()
    assert "$4,900.00" in page.locator("main").inner_text()
    page.get_by_role("button", name="Decline this payment").click()
    page.get_by_role("heading", name="Confirm your transfer").wait_for()
    assert not Transfer.objects.filter(customer__sub="devidp|alice", amount__gte=2500).exists()


def test_a_small_payment_to_a_known_payee_needs_no_approval(tab: Tab):
    page = tab.page
    sign_in(tab)
    step_up_for_transfer(tab)
    fill_transfer(tab, "7.00")  # Alice has paid Bob before
    page.get_by_role("button", name="Send $7.00").click()
    page.get_by_text("Transfer sent").first.wait_for()
    assert "/idp/" not in page.url
