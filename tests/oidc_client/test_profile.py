"""OIDC_PROFILE=fapi2 (FAPI 2.0 Security Profile): every request pushed with `dpop_jkt`,
the `iss` response parameter required, ID tokens PS256/ES256/EdDSA only, DPoP-bound
tokens only, and no redirect URI built from the request's Host header."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.test import RequestFactory
from joserfc import jws, jwt
from joserfc.jwk import ECKey

from oidc_client import dpop, provider, session
from oidc_client.errors import SignInRequired
from tests.oidc_client.oidc_provider import CLIENT_ID, ISSUER

pytestmark = pytest.mark.django_db


class Pushed:
    """The provider's PAR endpoint: records each push (body and headers)."""

    def __init__(self) -> None:
        self.pushed: list[dict] = []

    def post(self, url: str, *, data: dict, headers: dict, auth=None, **kwargs):
        prepared = requests.Request("POST", url, data=data, headers=headers).prepare()
        if auth is not None:
            auth(prepared)
        self.pushed.append({**data, "dpop_proof": prepared.headers.get("DPoP")})
        response = requests.Response()
        response.status_code = 201
        response._content = json.dumps({"request_uri": "urn:example:par:1"}).encode()
        return response


@pytest.fixture
def fapi2(op, settings, monkeypatch) -> Pushed:
    settings.OIDC_PROFILE = "fapi2"
    settings.OIDC_CLIENT_SECRET = None
    settings.OIDC_CLIENT_KEY = json.dumps(ECKey.generate_key("P-256").as_dict(private=True))
    settings.OIDC_REDIRECT_URI = "http://testserver/callback"
    op.ec_key = ECKey.generate_key("P-256", parameters={"kid": "op-ec"}, private=True)
    op.metadata.update(
        {
            "pushed_authorization_request_endpoint": f"{ISSUER}par",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "authorization_response_iss_parameter_supported": False,
            "jwks": {"keys": [op.key.as_dict(private=False), op.ec_key.as_dict(private=False)]},
        }
    )
    op.install()
    op.token_overrides["token_type"] = "DPoP"
    endpoint = Pushed()
    monkeypatch.setattr(requests, "post", endpoint.post)
    return endpoint


def sign_in_started(client, op, fapi2: Pushed) -> dict:
    response = client.get("/login")
    assert response.status_code == 302
    op.nonce = fapi2.pushed[-1]["nonce"]
    return fapi2.pushed[-1]


def es256_id_token(op) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "auth0|alice", "aud": CLIENT_ID, "iat": now,
              "exp": now + 300, "nonce": op.nonce, "auth_time": now}  # fmt: skip
    return jwt.encode({"alg": "ES256", "kid": "op-ec"}, claims, op.ec_key, algorithms=["ES256"])


def back(client, pushed: dict, **extra):
    query = {"code": "c-1", "state": pushed["state"], "iss": ISSUER, **extra}
    return client.get("/callback", {k: v for k, v in query.items() if v is not None})


def test_a_sign_in_is_pushed_bound_to_a_new_dpop_key(client, op, fapi2):
    response = client.get("/login")
    location = urlsplit(response["Location"])
    assert parse_qs(location.query) == {
        "client_id": [CLIENT_ID],
        "request_uri": ["urn:example:par:1"],
    }
    (pushed,) = fapi2.pushed
    assert pushed["code_challenge_method"] == "S256" and pushed["client_assertion"]
    assert pushed["redirect_uri"] == "http://testserver/callback"
    proof_header = jws.extract_compact(pushed["dpop_proof"].encode()).headers()
    proof_key = ECKey.import_key(proof_header["jwk"])
    assert pushed["dpop_jkt"] == proof_key.thumbprint()


def step_up_request() -> HttpRequest:
    request = RequestFactory().get("/transfers/new")
    request.session = SessionStore()
    return request


def test_a_step_up_is_pushed_too_bound_to_the_sessions_key(fapi2):
    request = step_up_request()
    key = ECKey.generate_key("P-256", private=True)
    request.session[dpop.KEY_SESSION_KEY] = key.as_dict(private=True)
    flow = provider.Flow(purpose="step_up", next_url="/transfers/new")
    provider.start(request, flow=flow, scope="openid transfer:funds")
    (pushed,) = fapi2.pushed
    assert "transfer:funds" in pushed["scope"] and pushed["dpop_jkt"] == key.thumbprint()


def test_a_step_up_without_the_sessions_key_asks_for_a_new_sign_in(fapi2):
    flow = provider.Flow(purpose="step_up", next_url="/transfers/new")
    with pytest.raises(SignInRequired):
        provider.start(step_up_request(), flow=flow, scope="openid transfer:funds")
    assert fapi2.pushed == []


def test_an_es256_id_token_signs_in_with_the_tokens_bound_to_the_sign_ins_key(client, op, fapi2):
    pushed = sign_in_started(client, op, fapi2)
    op.token_overrides["id_token"] = es256_id_token(op)
    assert back(client, pushed).status_code == 302
    held = client.session
    assert held[session.TOKENS_KEY]["token_type"] == "DPoP"
    key = ECKey.import_key(held[dpop.KEY_SESSION_KEY])
    assert key.thumbprint() == pushed["dpop_jkt"]


def test_an_id_token_signed_rs256_is_refused(client, op, fapi2):
    pushed = sign_in_started(client, op, fapi2)  # the stand-in signs RS256
    response = back(client, pushed)
    assert response.status_code == 400 and session.TOKENS_KEY not in client.session


def test_a_response_without_iss_is_refused_even_if_discovery_does_not_promise_it(client, op, fapi2):
    pushed = sign_in_started(client, op, fapi2)
    op.token_overrides["id_token"] = es256_id_token(op)
    response = back(client, pushed, iss=None)
    assert response.status_code == 400 and b"did not name its issuer" in response.content


def test_a_bearer_token_is_refused_when_dpop_was_asked_for(client, op, fapi2):
    pushed = sign_in_started(client, op, fapi2)
    op.token_overrides.update(id_token=es256_id_token(op), token_type="Bearer")
    response = back(client, pushed)
    assert response.status_code == 400 and session.TOKENS_KEY not in client.session


def test_a_redirect_uri_is_never_built_from_the_requests_host(client, fapi2, settings):
    settings.OIDC_REDIRECT_URI = None
    response = client.get("/login")
    assert response.status_code == 503 and fapi2.pushed == []


def test_each_sign_in_gets_a_new_key(client, op, fapi2):
    first = sign_in_started(client, op, fapi2)
    second = sign_in_started(client, op, fapi2)
    assert first["dpop_jkt"] != second["dpop_jkt"]


def test_api_auth_sends_dpop_for_a_dpop_token_and_bearer_otherwise(client, op, fapi2, settings):
    pushed = sign_in_started(client, op, fapi2)
    op.token_overrides["id_token"] = es256_id_token(op)
    back(client, pushed)
    request = RequestFactory().get("/")
    request.session = client.session  # the configured engine's store (Redis in CI)
    assert isinstance(session.api_auth(request), dpop.DPoPAuth)
    request.session[session.TOKENS_KEY]["token_type"] = "Bearer"
    assert isinstance(session.api_auth(request), dpop.BearerAuth)
