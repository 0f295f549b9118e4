"""Faults seen from the web site, on the live server with the real IdP and API over HTTP:
the API slow, down or failing mid-transfer, the IdP failing at the callback. Each ends in a
clear page, never a 500, and a retried transfer moves money exactly once."""

from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import contextmanager
from decimal import Decimal

import pytest
import requests
from django.db import OperationalError

from accounts.models import Account
from oidc_client.session import ELEVATED_KEY
from tests.journey import Browser
from transfers.models import Transfer

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "alice@fabrikam.example"


@contextmanager
def silent_server():
    """A loopback port (8300-8399) that accepts connections and never answers: a hung API."""
    listener = socket.socket()
    for port in range(8300, 8400):
        try:
            listener.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def reviewed_transfer(browser: Browser, amount: str) -> str:
    """Sign in, step up, fill in and review a transfer to Bob; return its idempotency key."""
    browser.sign_in()
    browser.through_idp(browser.get("/transfers/new"), ALICE)
    form = browser.get("/transfers/new")
    found = re.search(rb'name="idempotency_key" value="([^"]+)"', form.content)
    assert found is not None
    key = found[1].decode()
    data = {"source": "1000000011", "destination": "1000000021", "amount": amount}
    assert browser.post("/transfers/new", {**data, "idempotency_key": key}).status_code == 302
    return key


def confirm_again(browser: Browser):
    """The customer presses Confirm again. The elevated token went with the failed attempt,
    so this one steps up afresh, then sends the same Idempotency-Key and body: the API
    answers with the first transfer if there was one."""
    step_up = browser.post("/transfers/confirm")
    assert "/idp/authorize" in step_up["Location"]
    assert browser.through_idp(step_up, ALICE)["Location"] == "/transfers/confirm"
    return browser.post("/transfers/confirm")


def unknown_outcome_page(browser: Browser, response) -> str:
    """After a lost answer the customer is back on the confirmation, told the truth."""
    assert response.status_code == 302 and response["Location"] == "/transfers/confirm"
    assert ELEVATED_KEY not in browser.client.session  # discarded whatever happened
    return browser.get("/transfers/confirm").content.decode()


def balance(number: str) -> Decimal:
    return Account.objects.get(number=number).balance


def test_a_hung_api_shows_a_clear_page_within_the_timeout(browser: Browser, settings):
    browser.sign_in()
    settings.API_TIMEOUT = 0.5
    with silent_server() as url:
        settings.API_BASE_URL = f"{url}/api/"
        started = time.monotonic()
        response = browser.get("/")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert b"not answering" in response.content
    # A bound on waiting for nothing, not a performance figure: the page came after the
    # timeout, not after the pooled connection's default (forever).
    assert elapsed < 10


def test_a_slow_transfer_times_out_on_the_web_and_the_retry_moves_money_once(
    browser: Browser, settings, monkeypatch
):
    key = reviewed_transfer(browser, "9.00")
    before = balance("1000000011")
    settings.API_TIMEOUT = 1.0
    from accounts import events

    record = events.stepup_event_record
    release = threading.Event()

    def slow_after_commit(**kwargs):
        record(**kwargs)
        release.wait(5)  # the money has moved; the answer is late

    monkeypatch.setattr(events, "stepup_event_record", slow_after_commit)

    timed_out = browser.post("/transfers/confirm")

    assert "cannot tell yet whether the transfer went through" in unknown_outcome_page(
        browser, timed_out
    )
    release.set()
    monkeypatch.setattr(events, "stepup_event_record", record)
    sent = confirm_again(browser)

    assert sent.status_code == 302 and sent["Location"].startswith("/transfers/")
    assert "Transfer sent" in browser.get(sent["Location"]).content.decode()
    assert Transfer.objects.filter(idempotency_key=key).count() == 1
    assert balance("1000000011") == before - Decimal("9.00")


def test_a_database_failure_mid_transfer_shows_a_clear_page_and_the_retry_succeeds(
    browser: Browser, monkeypatch
):
    key = reviewed_transfer(browser, "4.00")
    before = balance("1000000011")
    from accounts import ledger

    post = ledger._balance_move
    calls: list[int] = []

    def fail_on_the_credit_leg(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return post(*args, **kwargs)

    monkeypatch.setattr(ledger, "_balance_move", fail_on_the_credit_leg)

    failed = browser.post("/transfers/confirm")

    assert "cannot tell yet" in unknown_outcome_page(browser, failed)
    assert not Transfer.objects.filter(idempotency_key=key).exists()
    assert balance("1000000011") == before
    monkeypatch.setattr(ledger, "_balance_move", post)

    sent = confirm_again(browser)

    assert sent.status_code == 302
    assert Transfer.objects.filter(idempotency_key=key).count() == 1
    assert balance("1000000011") == before - Decimal("4.00")


def test_an_identity_provider_that_fails_at_the_callback_gets_a_clear_page(
    browser: Browser, monkeypatch
):
    from authlib.integrations.requests_client import OAuth2Session

    def down(*args, **kwargs):
        raise requests.ConnectionError("connection refused (simulated outage)")

    to_the_idp = browser.get("/login")  # discovery is read while the IdP is up
    monkeypatch.setattr(OAuth2Session, "request", down)

    response = browser.through_idp(to_the_idp, ALICE)

    assert response.status_code == 503
    assert b"did not answer" in response.content
