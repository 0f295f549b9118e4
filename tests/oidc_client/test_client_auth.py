"""Client authentication at the token and PAR endpoints: RFC 7523 §3 assertions for
private_key_jwt, and the secret methods encoded as RFC 6749 §2.3.1 says."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from oidc_client import client_auth, dpop
from tests.oidc_client.oidc_provider import CLIENT_ID, ISSUER


@pytest.fixture
def ec_key(settings) -> ECKey:
    key = ECKey.generate_key("P-256", private=True)
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = ISSUER, CLIENT_ID
    settings.OIDC_CLIENT_AUTH_METHOD = "private_key_jwt"
    settings.OIDC_CLIENT_KEY = json.dumps(key.as_dict(private=True))
    return key


def decoded(assertion: str, key, alg: str = "ES256"):
    return jwt.decode(assertion, key, algorithms=[alg])


def test_an_assertion_names_the_client_as_iss_and_sub_and_the_issuer_as_aud(ec_key):
    token = decoded(client_auth.assertion(client_id=CLIENT_ID, audience=ISSUER), ec_key)
    assert token.claims["iss"] == token.claims["sub"] == CLIENT_ID
    assert token.claims["aud"] == ISSUER


def test_an_assertion_is_short_lived_and_issued_now(ec_key):
    claims = decoded(client_auth.assertion(client_id=CLIENT_ID, audience=ISSUER), ec_key).claims
    assert abs(claims["iat"] - time.time()) <= 2
    assert 0 < claims["exp"] - claims["iat"] <= 60


def test_each_assertion_has_its_own_jti(ec_key):
    jtis = {
        decoded(client_auth.assertion(client_id=CLIENT_ID, audience=ISSUER), ec_key).claims["jti"]
        for _ in range(5)
    }
    assert len(jtis) == 5


def test_an_ec_key_signs_es256_with_its_thumbprint_as_kid(ec_key):
    token = decoded(client_auth.assertion(client_id=CLIENT_ID, audience=ISSUER), ec_key)
    assert token.header["alg"] == "ES256" and token.header["kid"] == ec_key.thumbprint()


def test_an_rsa_key_signs_ps256_never_rs256(settings, ec_key):
    key = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True)
    settings.OIDC_CLIENT_KEY = key.as_pem(private=True).decode()
    token = decoded(client_auth.assertion(client_id=CLIENT_ID, audience=ISSUER), key, "PS256")
    assert token.header["alg"] == "PS256"


def test_private_key_jwt_sends_the_assertion_and_no_secret(settings, ec_key):
    settings.OIDC_CLIENT_SECRET = "must-not-travel"
    data: dict[str, str] = {}
    headers: dict[str, str] = {}
    client_auth.authenticate(data, headers)
    assert data["client_assertion_type"] == client_auth.ASSERTION_TYPE
    assert decoded(data["client_assertion"], ec_key).claims["aud"] == ISSUER
    assert "client_secret" not in data and "Authorization" not in headers


def test_basic_form_encodes_the_id_and_secret_first(settings):
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "id:1", "s/cret+"
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_basic"
    data: dict[str, str] = {}
    headers: dict[str, str] = {}
    client_auth.authenticate(data, headers)
    pair = base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode()
    assert pair == "id%3A1:s%2Fcret%2B" and data == {}


def test_post_puts_the_secret_in_the_body(settings):
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "id", "secret"
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_post"
    data: dict[str, str] = {}
    headers: dict[str, str] = {}
    client_auth.authenticate(data, headers)
    assert data == {"client_id": "id", "client_secret": "secret"} and headers == {}


class TokenEndpoint:
    """Asks for a DPoP nonce `refusals` times (400 use_dpop_nonce), then answers."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.seen: list[tuple[dict, dict]] = []

    def post(self, url: str, *, data: dict, headers: dict, auth=None, **kwargs):
        prepared = requests.Request("POST", url, data=data, headers=headers).prepare()
        auth(prepared)
        self.seen.append((data, dict(prepared.headers)))
        refused = len(self.seen) <= self.refusals
        response = requests.Response()
        response.status_code = 400 if refused else 200
        body = {"error": "use_dpop_nonce"} if refused else {"access_token": "t"}
        response._content = json.dumps(body).encode()
        response.headers["DPoP-Nonce"] = f"nonce-{len(self.seen)}"
        response.request = prepared
        return response


def proof_claims(headers: dict) -> dict:
    segment = headers["DPoP"].split(".")[0]
    jwk = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))["jwk"]
    return jwt.decode(headers["DPoP"], ECKey.import_key(jwk), algorithms=["ES256"]).claims


def test_a_token_request_answers_use_dpop_nonce_once_with_a_fresh_assertion(ec_key, monkeypatch):
    dpop._nonces.clear()
    endpoint = TokenEndpoint(refusals=1)
    monkeypatch.setattr(requests, "post", endpoint.post)
    response = client_auth.post(
        f"{ISSUER}token", {"grant_type": "authorization_code"}, dpop_key=ECKey.generate_key("P-256")
    )
    assert response.status_code == 200
    (first, first_headers), (retry, retry_headers) = endpoint.seen
    # The provider spent the first assertion's jti: the retry carries a new assertion.
    assert first["client_assertion"] != retry["client_assertion"]
    assert "nonce" not in proof_claims(first_headers)
    assert proof_claims(retry_headers)["nonce"] == "nonce-1"
    assert proof_claims(retry_headers)["htm"] == "POST" and "ath" not in proof_claims(retry_headers)


def test_a_token_endpoint_that_keeps_asking_for_a_nonce_is_tried_twice_only(ec_key, monkeypatch):
    endpoint = TokenEndpoint(refusals=5)
    monkeypatch.setattr(requests, "post", endpoint.post)
    response = client_auth.post(f"{ISSUER}token", {}, dpop_key=ECKey.generate_key("P-256"))
    assert response.status_code == 400 and len(endpoint.seen) == 2
