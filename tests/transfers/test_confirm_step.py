"""The confirm step (`transfers.client.transfer_send`): what the payment needs is asked for
before the single-use token is spent, in one visit, and a refusal never loses the transfer."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from oidc_client.conf import MFA_ACR, PHISHING_RESISTANT_ACR
from oidc_client.session import ELEVATED_KEY
from transfers import client
from transfers.client import PENDING_KEY, AskProvider, NotSent


@pytest.fixture(autouse=True)
def _rules(settings):
    settings.TRANSACTION_APPROVAL_THRESHOLD = Decimal("1000.00")
    settings.PHISHING_RESISTANT_THRESHOLD = Decimal("5000.00")
    settings.TRANSACTION_APPROVAL_FOR_NEW_PAYEES = True


@pytest.fixture
def request_():
    request = RequestFactory().post("/transfers/confirm")
    request.session = SessionStore()
    return request


def pend(request, amount: str, *, destination: str = "1000000021", own=()) -> dict:
    data = {
        "source": "1000000011",
        "destination": destination,
        "amount": Decimal(amount),
        "memo": "",
        "idempotency_key": "confirm-step-0001",
    }
    payee = {"name": "Bob O.", "known": False}
    client.pending_store(request, data, payee, "Checking", own_numbers=own)
    pending = client.pending_get(request)
    assert pending is not None
    return pending


def hold(request, *, acr: str, details=None) -> None:
    request.session[ELEVATED_KEY] = {
        "transfer:funds": {
            "access_token": "elevated-token",
            "expires_at": int(time.time()) + 120,
            "scope": "openid transfer:funds",
            "auth_time": int(time.time()),
            "amr": ["pwd", "otp", "mfa"],
            "acr": acr,
            "authorization_details": details,
        }
    }


def test_a_payment_that_needs_a_passkey_asks_for_it_in_the_first_approval_request(request_):
    pending = pend(request_, "5000.00")

    outcome = client.transfer_send(request_, pending)

    assert outcome == AskProvider(approval=True, acr_values=PHISHING_RESISTANT_ACR)


def test_an_approval_given_with_a_code_is_asked_again_with_a_passkey_before_spending_it(
    request_, monkeypatch
):
    pending = pend(request_, "5000.00")
    hold(request_, acr=MFA_ACR, details=client.approval_details(pending))
    monkeypatch.setattr(client, "transfer_submit", lambda *a: pytest.fail("token spent"))

    outcome = client.transfer_send(request_, pending)

    assert outcome == AskProvider(approval=True, acr_values=PHISHING_RESISTANT_ACR)
    assert request_.session[ELEVATED_KEY]["transfer:funds"]["access_token"] == "elevated-token"


def test_an_approval_given_with_a_passkey_is_sent(request_, monkeypatch):
    pending = pend(request_, "5000.00")
    hold(request_, acr=PHISHING_RESISTANT_ACR, details=client.approval_details(pending))
    monkeypatch.setattr(client, "transfer_submit", lambda *a: {"id": "t-1"})

    assert client.transfer_send(request_, pending) == client.Sent({"id": "t-1"})


def test_the_page_words_what_comes_next_from_the_factor_held(request_):
    pending = pend(request_, "5000.00")
    hold(request_, acr=MFA_ACR)
    assert client.needs(request_, pending).factor == "code"
    assert not client.needs(request_, pending).ready

    hold(request_, acr=PHISHING_RESISTANT_ACR, details=client.approval_details(pending))
    assert client.needs(request_, pending).factor == "passkey"
    assert client.needs(request_, pending).ready


def test_a_transfer_to_an_own_account_is_to_a_known_payee(request_):
    assert client.approval_needed(pend(request_, "100.50", own={"1000000012"}))  # not Bob's
    pending = pend(request_, "100.50", destination="1000000012", own={"1000000011", "1000000012"})

    assert pending["known_payee"] is True
    assert not client.approval_needed(pending)


def test_a_second_refusal_after_approving_keeps_the_transfer_and_ends_the_attempt(
    request_, monkeypatch
):
    pending = pend(request_, "2500.00")
    hold(request_, acr=MFA_ACR, details=client.approval_details(pending))
    pending["approval_asked"] = True

    def refused(*args):
        raise client.ApprovalNeeded("This payment needs your approval.")

    monkeypatch.setattr(client, "transfer_submit", refused)

    outcome = client.transfer_send(request_, pending)

    assert isinstance(outcome, NotSent) and "still here" in outcome.message
    assert request_.session[PENDING_KEY]["amount"] == "2500.00"  # never lost
    assert request_.session[PENDING_KEY]["approval_asked"] is False  # the next Send starts afresh
