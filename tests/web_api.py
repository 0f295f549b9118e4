"""Web pages against a stand-in OpenID Provider and the real API, in-process.

`web_op` signs the visitor in through the stand-in OP (tests/fabrikam/oidc_provider.py)
with a real `read:accounts` access token, and routes the web app's HTTP calls to the API
into Django's test client: the API still validates the bearer token, only the socket is
skipped. Registered as a pytest plugin in tests/conftest.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from django.test import Client

from accounts import api_client
from oidc_client import provider as oidc
from tests.oidc_client.oidc_provider import CLIENT_ID, ISSUER, StandInProvider


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
        answer = self.client.generic(method, path + query, headers=headers or {})
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update(dict(answer.headers))
        response.url = url
        return response


@pytest.fixture
def web_op(mint_token, settings, monkeypatch) -> StandInProvider:
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
