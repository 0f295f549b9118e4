"""Client authentication at the token and PAR endpoints: RFC 7523 §3 assertions for
private_key_jwt, and the secret methods encoded as RFC 6749 §2.3.1 says."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from oidc_client import client_auth
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
    data, headers = {}, {}
    client_auth.authenticate(data, headers)
    assert data["client_assertion_type"] == client_auth.ASSERTION_TYPE
    assert decoded(data["client_assertion"], ec_key).claims["aud"] == ISSUER
    assert "client_secret" not in data and "Authorization" not in headers


def test_basic_form_encodes_the_id_and_secret_first(settings):
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "id:1", "s/cret+"
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_basic"
    data, headers = {}, {}
    client_auth.authenticate(data, headers)
    pair = base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode()
    assert pair == "id%3A1:s%2Fcret%2B" and data == {}


def test_post_puts_the_secret_in_the_body(settings):
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "id", "secret"
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_post"
    data, headers = {}, {}
    client_auth.authenticate(data, headers)
    assert data == {"client_id": "id", "client_secret": "secret"} and headers == {}
