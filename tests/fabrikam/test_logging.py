"""Logs: one line per request and per security event, and never a token or a code."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import OperationalError

from oidc_client import provider as oidc_provider
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


@contextmanager
def runserver() -> Iterator[str]:
    """The development server `make demo` runs (Django's request handler and its access
    log on `django.server`), serving this test's database on a free loopback port."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "failure",
    [OperationalError("database is locked"), RuntimeError("a bug")],
    ids=["database-503", "bug-500"],
)
def test_a_failing_callback_leaves_no_authorization_code_in_any_log(
    caplog, monkeypatch, failure, settings
):
    def fail(request):
        raise failure

    monkeypatch.setattr(oidc_provider, "pending_flow", fail)
    code, state = "AUTHCODE-7f3a9c1e5b", "STATE-d41d8cd98f"

    with (
        caplog.at_level(logging.DEBUG),
        caplog.at_level(logging.DEBUG, logger="django.server"),
        runserver() as url,
    ):
        settings.SITE_URL = url  # as `make demo HOST=127.0.0.1` sets it: no loopback redirect
        response = requests.get(f"{url}/callback?code={code}&state={state}", timeout=10)

    assert response.status_code >= 500
    server_lines = [r for r in caplog.records if r.name == "django.server"]
    assert [r.getMessage() for r in server_lines] == [
        f'"GET /callback HTTP/1.1" {response.status_code} {len(response.content)}'
    ]
    for record in caplog.records:
        if record.name.startswith("urllib3"):
            continue  # this test's own HTTP client, at DEBUG, naming the URL it asked for
        line = record.getMessage()
        assert code not in line and state not in line, line


def test_control_characters_from_a_request_never_reach_the_log_raw(client, caplog):
    """A NUL or a newline in the path (or a parameter) is written escaped: one request, one
    line, nothing a terminal or a log parser misreads."""
    formatter = next(
        handler.formatter
        for handler in logging.getLogger().handlers
        if handler.formatter is not None and "logger=%(name)s" in (handler.formatter._fmt or "")
    )

    with caplog.at_level(logging.DEBUG):
        client.get("/idp/u/login%00%0Aforged level=ERROR", {"redirect_uri": "a\x00b"})
        client.get("/idp/authorize", {"redirect_uri": "http://localhost:8000/call\x00back"})

    lines = [formatter.format(record) for record in caplog.records]
    assert any("\\x00\\x0aforged" in line for line in lines)
    assert not any("\x00" in line or "\n" in line for line in lines)
