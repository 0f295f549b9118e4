"""Web pages against a stand-in OpenID Provider and the real API, in-process.

`web_op` signs the visitor in through the stand-in OP (tests/oidc_client/oidc_provider.py)
with a real `read:accounts` access token, and routes the web app's HTTP calls to the API
into Django's test client: the API still validates the bearer token, only the socket is
skipped. Registered as a pytest plugin in tests/conftest.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.test import Client

from accounts import api_client
from oidc_client import provider as oidc
from oidc_client.session import ELEVATED_KEY, TOKENS_KEY
from tests.factories import CustomerFactory
from tests.oidc_client.oidc_provider import CLIENT_ID, ISSUER, StandInProvider


def with_auth(
    method: str, url: str, headers: dict[str, str], auth: requests.auth.AuthBase | None
) -> dict[str, str]:
    """The headers as `requests` would send them: with what `auth` adds (the token)."""
    prepared = requests.Request(method, url, headers=headers, auth=auth).prepare()
    return dict(prepared.headers)


class ApiThroughTestClient:
    def __init__(self) -> None:
        self.client = Client()
        self.paths: list[str] = []

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        path = urlsplit(url).path
        self.paths.append(path)
        query = f"?{urlencode(params)}" if params else ""
        headers = with_auth(method, url, headers or {}, kwargs.get("auth"))
        answer = self.client.generic(method, path + query, headers=headers)
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update(dict(answer.headers))
        response.url = url
        return response


@pytest.fixture
def web_op(mint_token, settings, monkeypatch) -> Iterator[StandInProvider]:
    """The stand-in OP, issuing Alice (`auth0|alice`) an access token the API accepts."""
    settings.OIDC_ISSUER = settings.API_ISSUER = ISSUER
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = "test-secret"
    oidc._client.cache_clear()
    provider = StandInProvider()
    provider.install()
    provider.token_overrides = {"access_token": mint_token(sub="auth0|alice", iss=ISSUER)}
    monkeypatch.setattr(api_client, "_session", ApiThroughTestClient())
    yield provider
    oidc._client.cache_clear()


def sign_in_with(client: Client, op: StandInProvider, **claims: Any) -> Client:
    """Complete a sign-in at the stand-in OP with the given ID token claims."""
    params = op.authorize(client)
    op.claim_overrides = claims
    response = client.get("/callback", {"code": "c", "state": params["state"], "iss": ISSUER})
    assert response.status_code == 302, response.content[:300]
    op.claim_overrides = {}
    return client


MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
ELEVATED = "elevated.transfer-funds.token-string"
# Answers the API never gives, for pages that must turn each into a clear page.
UNEXPECTED = {
    "not JSON": (200, "<html>A proxy's login page</html>", {"Content-Type": "text/html"}),
    "a JSON list": (200, "[]", {}),
    "an empty object": (200, "{}", {}),
    "every key, wrong inside": (
        200,
        json.dumps(
            {
                "accounts": [{"number": None}],
                "account": {"number": "../../admin"},
                "transactions": [{"balance_after": "lots"}],
                "entries": [{}],
                "month": "2025-13",
                "events": [{"created_at": "yesterday"}],
                "transfer": {"id": "x"},
                "payee": {"name": 7},
            }
        ),
        {},
    ),
    "a redirect": (302, "", {"Location": "http://127.0.0.1:9/elsewhere"}),
    "no content": (204, "", {}),
    "an odd status": (418, "I'm a teapot", {}),
    "a problem that is a list": (400, '["detail"]', {}),
    "a problem with an object for detail": (400, '{"detail": {"html": "<b>x</b>"}}', {}),
}


class Answers:
    """Stands in for the web app's HTTP session: every API call gets the same answer."""

    def __init__(self, status: int, body: str, headers: dict[str, str]):
        self.status, self.body, self.headers = status, body, headers
        self.calls: list[str] = []

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        self.calls.append(f"{method} {url}")
        response = requests.Response()
        response.status_code = self.status
        response._content = self.body.encode()
        response.headers.update({"Content-Type": "application/json", **self.headers})
        response.url = url
        return response


@pytest.fixture
def alice_on_debug(web_op, settings):
    """Alice signed in with a fresh second factor, on a site running with DEBUG=True (as
    `make demo` does), through a client that shows what a browser would get for an error."""
    settings.DEBUG = True
    CustomerFactory(sub="auth0|alice", name="Alice Ng")
    client = Client(raise_request_exception=False)
    sign_in_with(client, web_op, amr=["pwd", "mfa"], acr=MFA, auth_time=int(time.time()))
    session = client.session
    session[ELEVATED_KEY] = {
        "transfer:funds": {
            "access_token": ELEVATED,
            "expires_at": int(time.time()) + 240,
            "scope": "openid transfer:funds",
            "auth_time": int(time.time()) - 20,
        }
    }
    session.save()
    return client


def secrets_in(client: Client) -> list[str]:
    """The tokens the session holds, and each JWT's signature alone."""
    tokens = client.session[TOKENS_KEY]
    found = [tokens["access_token"], tokens["id_token"], ELEVATED]
    return found + [token.rsplit(".", 1)[-1] for token in found if token.count(".") == 2]
