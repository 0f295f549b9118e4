"""The assistant end to end, in-process (`transfers/assistant.py`): CIBA at the embedded
IdP with the payment as authorization_details, the customer's phone approving it, then
one transfer at the bank's API with the token, which the API spends. Only the sockets are
skipped: every call goes through the real views."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import cast
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts.models import Account
from api_auth import introspection
from api_auth import jwks as api_jwks
from api_auth.models import SpentToken
from tests.factories import AccountFactory, CustomerFactory
from transfers.assistant import AssistantFailed, Bill, assistant_pay
from transfers.models import Transfer

from .conftest import ISSUER, jwks
from .phone import paired_phone
from .test_revocation_reaches_the_api import through_test_client

pytestmark = pytest.mark.django_db


class InProcess:
    """A requests.Session whose calls are served by Django's test client (the get and post
    the assistant makes: it stands in for a Session, hence the cast where it is passed)."""

    def __init__(self) -> None:
        self.client = Client()

    def _answer(self, answer) -> requests.Response:
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update(dict(answer.headers))
        return response

    def get(self, url: str, **_kwargs) -> requests.Response:
        return self._answer(self.client.get(urlsplit(url).path))

    def post(self, url, *, data=None, json=None, auth=None, headers=None, **_kwargs):
        headers = dict(headers or {})
        if auth:
            basic = base64.b64encode(":".join(auth).encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        path = urlsplit(url).path
        if json is not None:
            body = _dumps(json)
            answer = self.client.post(path, body, content_type="application/json", headers=headers)
            return self._answer(answer)
        return self._answer(self.client.post(path, data or {}, headers=headers))


def _dumps(value) -> str:
    return json.dumps(value)


@pytest.fixture
def bank(settings, monkeypatch, demo):
    """The bank's API trusting the embedded IdP, and Alice's and Bob's accounts."""
    settings.OIDC_ISSUER = settings.API_ISSUER = ISSUER
    settings.API_JWKS_URL = None
    settings.API_INTROSPECTION_URL = "http://testserver/idp/oauth/introspect"
    settings.API_INTROSPECTION_CLIENT_ID = settings.DEVIDP_INTROSPECTION_CLIENT_ID
    settings.API_INTROSPECTION_CLIENT_SECRET = settings.DEVIDP_INTROSPECTION_CLIENT_SECRET
    settings.API_ALLOWED_CLIENTS = {"transfer:funds": ["fabrikam-web", "fabrikam-assistant"]}
    settings.ASSISTANT_CLIENT_ID = "fabrikam-assistant"
    settings.ASSISTANT_CLIENT_SECRET = "demo-only-fabrikam-assistant-secret"
    settings.DEVIDP_CIBA_INTERVAL = 0  # no real waiting in-process
    settings.API_BASE_URL = "http://testserver/api/"
    monkeypatch.setattr(api_jwks, "jwks_fetch", jwks)
    monkeypatch.setattr(api_jwks, "jwks_cache", api_jwks.JwksCache())
    monkeypatch.setattr(introspection.requests, "post", through_test_client)
    alice = CustomerFactory(sub="devidp|alice", name="Alice Ng", email="alice@fabrikam.example")
    source = AccountFactory(customer=alice, number="1000000011", balance=Decimal("100.00"))
    bob = CustomerFactory(sub="devidp|bob", name="Bob Okafor", email="bob@fabrikam.example")
    return source, AccountFactory(customer=bob, number="1000000021")


def phone_that(decision: str, phone):
    """A `sleep` for the assistant: the phone answers during the assistant's first wait."""
    waits = []

    def sleep(_seconds: float) -> None:
        waits.append(_seconds)
        if len(waits) == 2:
            (request,) = phone.requests()
            assert request["payment"] == (
                "Pay $42.00 to Bob O., account ending 0021, from Checking ending 0011"
            )
            phone.answer(request, decision=decision)

    return sleep


def pay(sleep, lines: list[str]):
    bill = Bill(
        email="alice@fabrikam.example",
        destination="1000000021",
        amount=Decimal("42.00"),
        memo="Electricity",
    )
    return assistant_pay(
        bill,
        say=lines.append,
        progress=lines.append,
        sleep=sleep,
        http=cast(requests.Session, InProcess()),
    )


def test_the_assistant_pays_once_alice_approves_on_her_phone(bank, alice):
    source, destination = bank
    lines: list[str] = []
    receipt = pay(phone_that("approve", paired_phone(alice)), lines)
    assert receipt.transfer["status"] == "completed"
    assert receipt.transfer["amount"] == "42.00"
    assert receipt.transfer["memo"] == "Electricity"
    assert lines[0].startswith("Waiting for Alice to approve on their phone (code FAB-")
    assert any("still waiting" in line for line in lines)
    source.refresh_from_db()
    destination.refresh_from_db()
    assert (source.balance, destination.balance) == (Decimal("58.00"), Decimal("42.00"))
    assert SpentToken.objects.count() == 1  # the token was spent on this one transfer


def test_a_decline_on_the_phone_moves_nothing(bank, alice):
    source, _ = bank
    declined = r"Alice declined on their phone\. Nothing was sent\."
    with pytest.raises(AssistantFailed, match=declined):
        pay(phone_that("deny", paired_phone(alice)), [])
    assert not Transfer.objects.filter(source=source).exists()
    source.refresh_from_db()
    assert source.balance == Decimal("100.00")


def test_without_a_paired_phone_the_assistant_is_told_so_and_nothing_moves(bank, alice):
    with pytest.raises(AssistantFailed, match="no paired phone"):
        pay(lambda _s: None, [])
    assert not Transfer.objects.filter(destination_number="1000000021").exists()


def test_the_approved_token_cannot_pay_anything_else(bank, alice, monkeypatch):
    """The approval names this payment: a token the assistant got for $42.00 to Bob is
    refused for another amount, and spends nothing."""
    source, _destination = bank
    phone = paired_phone(alice)
    captured = {}
    real_post = InProcess.post

    def post(self, url, **kwargs):
        if url.endswith("/api/transfers"):
            captured["token"] = kwargs["headers"]["Authorization"]
            kwargs["json"] = {**kwargs["json"], "amount": "99.00"}
        return real_post(self, url, **kwargs)

    monkeypatch.setattr(InProcess, "post", post)
    with pytest.raises(AssistantFailed, match="The bank refused the transfer"):
        pay(phone_that("approve", phone), [])
    assert not Transfer.objects.filter(source=source).exists()
    source.refresh_from_db()
    assert source.balance == Decimal("100.00")


def test_the_command_exits_non_zero_with_a_clear_message_when_declined(bank, alice, monkeypatch):
    phone = paired_phone(alice)
    monkeypatch.setattr("transfers.assistant.time.sleep", phone_that("deny", phone))
    monkeypatch.setattr("transfers.assistant.requests.Session", InProcess)
    with pytest.raises(CommandError, match=r"declined on their phone\. Nothing was sent\."):
        call_command(
            "assistant_pay", "alice@fabrikam.example", "1000000021", "42.00", memo="Electricity"
        )
    assert Account.objects.get(number="1000000011").balance == Decimal("100.00")


@pytest.mark.parametrize("amount", ["-1", "0", "4.001", "lots"])
def test_the_command_refuses_a_bad_amount_before_asking_anyone(bank, amount):
    with pytest.raises(CommandError, match="AMOUNT"):
        call_command("assistant_pay", "alice@fabrikam.example", "1000000021", amount)
