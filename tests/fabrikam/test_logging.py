"""Logs: one line per request and per security event, and never a token or a code."""

from __future__ import annotations

import logging
import re

import pytest

from oidc_client.session import TOKENS_KEY
from tests.journey import DEMO_PASSWORD, Browser

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sign_in_logs_its_requests_and_events_but_no_secret(browser: Browser, caplog):
    with caplog.at_level(logging.DEBUG):
        browser.sign_in()
        browser.get("/")
        tokens = browser.client.session[TOKENS_KEY]
        browser.post("/logout")

    text = caplog.text
    assert re.search(r"request method=GET path=/callback status=302 ms=[\d.]+", text)
    assert "security.signed_in sub=devidp|alice" in text
    assert "security.sign_out sub=devidp|alice" in text
    secrets_seen = [tokens[k] for k in ("access_token", "id_token") if tokens.get(k)]
    assert secrets_seen, "the sign-in should have stored tokens"
    for secret in secrets_seen:
        assert secret not in text
        assert secret.split(".")[1] not in text  # not even the claims segment
    assert "callback?" not in text  # a query string carries the authorization code
    assert DEMO_PASSWORD not in text
