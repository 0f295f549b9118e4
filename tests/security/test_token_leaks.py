"""Tokens never appear in a page, a log line or a URL, over a whole journey on the live
site: sign in, dashboard, history, statements (web step-up), a transfer (API step-up),
the receipt, a refused replay, and sign-out."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import pytest
import requests
from authlib.integrations.django_client import DjangoOAuth2App

from tests.journey import Browser

if TYPE_CHECKING:  # the test client's response type exists only in django-stubs
    from django.test.client import _MonkeyPatchedWSGIResponse as TestHttpResponse

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = "alice@fabrikam.example"


class RecordingBrowser(Browser):
    """A browser that keeps every response the site and the IdP sent it."""

    def __init__(self, site: str):
        super().__init__(site)
        self.responses: list[TestHttpResponse] = []

    def get(self, url, **kwargs):
        self.responses.append(response := super().get(url, **kwargs))
        return response

    def post(self, url, data=None, **kwargs):
        self.responses.append(response := super().post(url, data, **kwargs))
        return response


@pytest.fixture
def issued(monkeypatch) -> list[dict]:
    """Every token response the web app received from the IdP (sign-in and step-ups)."""
    responses: list[dict] = []
    original = DjangoOAuth2App.authorize_access_token

    def recording(self, request, **kwargs):
        responses.append(token := original(self, request, **kwargs))
        return token

    monkeypatch.setattr(DjangoOAuth2App, "authorize_access_token", recording)
    return responses


def journey(browser: RecordingBrowser, site: str) -> None:
    browser.sign_in(next_url="/accounts/")
    browser.get("/")
    browser.get("/accounts/1000000011/")
    statements = browser.through_idp(browser.get("/accounts/1000000011/statements"), ALICE)
    browser.get(statements["Location"])
    browser.through_idp(browser.get("/transfers/new"), ALICE)
    form = browser.get("/transfers/new")
    found = re.search(rb'name="idempotency_key" value="([^"]+)"', form.content)
    assert found is not None
    key = found[1].decode()
    data = {"source": "1000000011", "destination": "1000000021", "amount": "2.00"}
    browser.post("/transfers/new", {**data, "idempotency_key": key, "memo": "Leak check"})
    browser.get("/transfers/confirm")
    sent = browser.post("/transfers/confirm")
    assert sent.status_code == 302
    browser.get(sent["Location"])
    browser.post("/transfers/confirm")  # a double click: nothing pending
    logout = browser.post("/logout")
    browser.get(logout["Location"])


def secrets_of(token_responses: list[dict]) -> dict[str, str]:
    """Each token, and its signature alone (a truncated or re-encoded token still leaks it)."""
    found = {}
    for number, response in enumerate(token_responses):
        for kind in ("access_token", "id_token", "refresh_token"):
            if value := response.get(kind):
                found[f"{kind} #{number}"] = value
                found[f"{kind} #{number} signature"] = value.rsplit(".", 1)[-1][:40]
    return found


def test_no_token_reaches_a_page_a_log_or_a_url(site, issued, caplog):
    caplog.set_level(logging.DEBUG)
    browser = RecordingBrowser(site)
    journey(browser, site)
    # A spent elevated token replayed at the API: its refusal is logged, the token is not.
    elevated = next(r["access_token"] for r in issued if "transfer:funds" in r.get("scope", ""))
    replay = requests.post(
        f"{site}/api/transfers",
        json={"source": "1000000011", "destination": "1000000021", "amount": "1.00"},
        headers={"Authorization": f"Bearer {elevated}", "Idempotency-Key": "leak-replay-1"},
        timeout=10,
    )
    assert replay.status_code == 401

    secrets = secrets_of(issued)
    assert len(issued) == 3  # sign-in, statements step-up, transfer step-up
    logs = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records)
    assert len(caplog.records) > 50  # the journey really was logged
    for name, secret in secrets.items():
        assert secret not in logs, f"{name} was logged"
        for response in browser.responses:
            assert secret.encode() not in response.content, f"{name} in a page"
            assert secret not in response.cookies.output(), f"{name} in a cookie"
            location = response.get("Location", "")
            if "/idp/oidc/logout?" in location and name.startswith("id_token"):
                # RP-Initiated Logout 1.0 §2: the ID token goes back to the IdP that issued
                # it as `id_token_hint`. The only token in any URL, and never an access token.
                continue
            assert secret not in location, f"{name} in a URL: {location[:80]}"
    # The sign-in ID token did go to the IdP as a logout hint, and nowhere else.
    assert any("id_token_hint=" in r.get("Location", "") for r in browser.responses)
