"""Where the web app sends the customer's access token: to the configured API, whatever
the visitor writes in the Host header."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from joserfc import jwt
from joserfc.jwk import ECKey
from pytest_httpserver import HTTPServer

from accounts import api_client
from oidc_client import dpop
from oidc_client.session import sign_in_store
from tests.journey import Browser
from tests.web_api import UNEXPECTED, Answers, secrets_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def attacker(httpserver: HTTPServer) -> HTTPServer:
    """A loopback HTTP server on a free port (pytest-httpserver) that records whatever
    reaches it and answers like the API would, so a leak shows as data, not as a timeout."""
    httpserver.expect_request(re.compile(".*")).respond_with_json({"accounts": []})
    return httpserver


@pytest.mark.django_db(transaction=True)
def test_the_host_header_never_chooses_where_the_token_goes(
    browser: Browser, site, settings, attacker
):
    browser.sign_in()
    # No API_BASE_URL: the default comes from the site's configured origin.
    settings.API_BASE_URL = None
    settings.SITE_URL = site

    response = browser.get("/", headers={"Host": f"localhost:{attacker.port}"})

    assert attacker.log == []
    assert response.status_code == 200
    assert b"1000000011" in response.content  # Alice's accounts, from the real API


@pytest.mark.django_db(transaction=True)
def test_without_an_api_address_the_page_says_so_instead_of_guessing(
    browser: Browser, settings, attacker
):
    browser.sign_in()
    settings.API_BASE_URL = None
    settings.SITE_URL = None

    response = browser.get("/", headers={"Host": f"localhost:{attacker.port}"})

    assert attacker.log == []
    assert response.status_code == 503
    assert b"not configured" in response.content


def test_a_dpop_bound_sign_in_token_goes_as_dpop_with_a_proof_for_that_call(settings, attacker):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    key = ECKey.generate_key("P-256", private=True)
    token = {"access_token": "bound-token", "token_type": "DPoP", "expires_in": 600}
    sign_in_store(request, {**token, "userinfo": {"sub": "test|alice"}}, key.as_dict(private=True))

    settings.API_BASE_URL = f"http://127.0.0.1:{attacker.port}/api/"
    api_client.call(request, "GET", "accounts", params={"page": "2"})

    ((sent, _answer),) = attacker.log
    assert sent.headers["Authorization"] == "DPoP bound-token"
    proof = jwt.decode(sent.headers["DPoP"], key, algorithms=["ES256"])
    assert proof.claims["htm"] == "GET"
    assert proof.claims["htu"] == f"http://127.0.0.1:{attacker.port}/api/accounts"  # no query
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
