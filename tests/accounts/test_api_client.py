"""Where the web app sends the customer's access token: to the configured API, whatever
the visitor writes in the Host header."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from joserfc import jwt
from joserfc.jwk import ECKey

from accounts import api_client
from oidc_client import dpop
from oidc_client.session import store_sign_in
from tests.journey import Browser
from tests.web_api import UNEXPECTED, Answers, secrets_in

pytestmark = pytest.mark.django_db


@contextmanager
def attacker_listener() -> Iterator[tuple[int, list[dict]]]:
    """A loopback HTTP server on a free port that records whatever reaches it and answers
    like the API would, so a leak shows as data, not as a timeout."""
    received: list[dict] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(
                {
                    "path": self.path,
                    "authorization": self.headers["Authorization"],
                    "dpop": self.headers["DPoP"],
                }
            )
            body = json.dumps({"accounts": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db(transaction=True)
def test_the_host_header_never_chooses_where_the_token_goes(browser: Browser, site, settings):
    browser.sign_in()
    # No API_BASE_URL: the default comes from the site's configured origin.
    settings.API_BASE_URL = None
    settings.SITE_URL = site

    with attacker_listener() as (port, received):
        response = browser.get("/", headers={"Host": f"localhost:{port}"})

    assert received == []
    assert response.status_code == 200
    assert b"1000000011" in response.content  # Alice's accounts, from the real API


@pytest.mark.django_db(transaction=True)
def test_without_an_api_address_the_page_says_so_instead_of_guessing(browser: Browser, settings):
    browser.sign_in()
    settings.API_BASE_URL = None
    settings.SITE_URL = None

    with attacker_listener() as (port, received):
        response = browser.get("/", headers={"Host": f"localhost:{port}"})

    assert received == []
    assert response.status_code == 503
    assert b"not configured" in response.content


def test_a_dpop_bound_sign_in_token_goes_as_dpop_with_a_proof_for_that_call(settings):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    key = ECKey.generate_key("P-256", private=True)
    token = {"access_token": "bound-token", "token_type": "DPoP", "expires_in": 600}
    store_sign_in(request, {**token, "userinfo": {"sub": "test|alice"}}, key.as_dict(private=True))

    with attacker_listener() as (port, received):
        settings.API_BASE_URL = f"http://127.0.0.1:{port}/api/"
        api_client.call(request, "GET", "accounts", params={"page": "2"})

    (sent,) = received
    assert sent["authorization"] == "DPoP bound-token"
    proof = jwt.decode(sent["dpop"], key, algorithms=["ES256"])
    assert proof.claims["htm"] == "GET"
    assert proof.claims["htu"] == f"http://127.0.0.1:{port}/api/accounts"  # no query
    assert proof.claims["ath"] == dpop.ath("bound-token")


# --- answers the web app did not expect --------------------------------------------------------

PAGES = [
    "/",
    "/accounts/",
    "/accounts/1000000011/",
    "/accounts/1000000011/statements",
    "/accounts/1000000011/statements.csv",
    "/transfers/new",
    "/transfers/6f1f7a4e-9f0e-4c43-a7a4-3f7c8b2f0a11",
    "/security",
]


@pytest.mark.parametrize("answer", UNEXPECTED.values(), ids=UNEXPECTED.keys())
@pytest.mark.parametrize("page", PAGES)
def test_an_unexpected_answer_is_a_clear_page_without_a_token(
    alice_on_debug, monkeypatch, page, answer
):
    monkeypatch.setattr(api_client, "_session", Answers(*answer))

    response = alice_on_debug.get(page)

    html = response.content.decode()
    assert response.status_code in (400, 404, 503), html[:300]
    assert "Fabrikam" in html and "Traceback" not in html
    for secret in secrets_in(alice_on_debug):
        assert secret not in html
