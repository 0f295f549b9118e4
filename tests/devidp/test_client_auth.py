"""private_key_jwt (RFC 7523 sections 2.2 and 3): each MUST of the assertion, broken in turn,
is a 401 `invalid_client` at the PAR and token endpoints; the right one authenticates."""

from __future__ import annotations

import json
import time

import pytest
import requests
from django.test import Client as BrowserClient
from joserfc.jwk import OctKey

from devidp import client_auth
from devidp.models import Client

from .conftest import CLIENT_ID, ISSUER
from .fapi import OMIT, PAR_URL, TOKEN_URL, assertion_params, ec_key, public_jwks, rsa_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def key():
    return ec_key()


@pytest.fixture
def jwt_client(demo, key) -> Client:
    """The demo client, registered for private_key_jwt with one EC public key."""
    client = Client.objects.get(client_id=CLIENT_ID)
    client.token_endpoint_auth_method = "private_key_jwt"
    client.jwks = public_jwks(key)
    client.save()
    return client


def push(rp, **params):
    return BrowserClient().post("/idp/oauth/par", {**rp.params(), **params})


def assert_refused(response) -> None:
    assert response.status_code in (400, 401), response.content
    assert response.json()["error"] == "invalid_client"


def test_a_valid_assertion_authenticates_the_client_at_par(rp, jwt_client, key):
    response = push(rp, **assertion_params(key))
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"sub": "someone-else"},
        {"iss": OMIT},
        {"sub": OMIT},
        {"aud": "https://elsewhere.example"},
        {"aud": OMIT},
        {"exp": OMIT},
        {"exp": int(time.time()) - 120},  # expired (beyond the 30 s leeway)
        {"exp": int(time.time()) + 3600},  # claims to live an hour: not a short-lived one
        {"jti": OMIT},
        {"nbf": int(time.time()) + 600},
    ],
    ids=lambda c: "-".join(f"{k}={'missing' if v is OMIT else v}" for k, v in c.items()),
)
def test_an_assertion_with_one_claim_wrong_is_refused(rp, jwt_client, key, changes):
    assert_refused(push(rp, **assertion_params(key, **changes)))


def test_a_replayed_assertion_is_refused(rp, jwt_client, key):
    params = assertion_params(key)
    assert push(rp, **params).status_code == 201
    assert_refused(push(rp, **params))


def test_an_assertion_signed_with_another_key_is_refused(rp, jwt_client):
    assert_refused(push(rp, **assertion_params(ec_key())))


def test_an_assertion_signed_with_hs256_is_refused_even_with_the_clients_secret(rp, jwt_client):
    secret = OctKey.import_key("demo-only-fabrikam-web-secret")
    assert_refused(push(rp, **assertion_params(secret, alg="HS256")))


def test_an_unsigned_assertion_is_refused(rp, jwt_client, key):
    assert_refused(push(rp, **assertion_params(key, alg="none")))


def test_a_client_id_beside_the_assertion_must_be_its_subject(rp, jwt_client, key, demo):
    Client.objects.create(client_id="other", name="Other", redirect_uris="")
    response = push(rp, **assertion_params(key), client_id="other")
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_client", "invalid_request")


def test_a_private_key_jwt_client_cannot_use_its_secret_instead(rp, jwt_client):
    assert_refused(rp.push())  # client_secret_basic, with the right secret


def test_the_token_endpoint_url_is_an_audience_only_outside_fapi2(rp, jwt_client, key, settings):
    assert push(rp, **assertion_params(key, aud=TOKEN_URL)).status_code == 201
    settings.DEVIDP_PROFILE = "fapi2"
    assert_refused(push(rp, **assertion_params(key, aud=TOKEN_URL)))
    assert_refused(push(rp, **assertion_params(key, aud=[ISSUER, PAR_URL])))


def test_fapi2_refuses_rs256_assertions_and_accepts_ps256(rp, jwt_client, settings):
    rsa = rsa_key()
    jwt_client.jwks = public_jwks(rsa)
    jwt_client.save()
    assert push(rp, **assertion_params(rsa, alg="RS256")).status_code == 201
    settings.DEVIDP_PROFILE = "fapi2"
    assert_refused(push(rp, **assertion_params(rsa, alg="RS256")))
    # fapi2 demands PAR and DPoP later; the push itself authenticates with PS256.
    assert push(rp, **assertion_params(rsa, alg="PS256")).status_code == 201


def test_fapi2_refuses_a_client_secret_even_for_a_secret_client(rp, demo, settings):
    settings.DEVIDP_PROFILE = "fapi2"
    assert_refused(rp.push())


class FakeJwksUri:
    """requests.get for the client's jwks_uri: counts calls, answers `jwks` or fails."""

    def __init__(self, jwks: dict | None):
        self.jwks, self.calls = jwks, 0

    def __call__(self, url: str, **kwargs) -> requests.Response:
        self.calls += 1
        assert kwargs["timeout"] <= 5  # a slow client never holds a worker for long
        if self.jwks is None:
            raise requests.ConnectionError("refused")
        response = requests.Response()
        response.status_code, response._content = 200, json.dumps(self.jwks).encode()
        return response


@pytest.fixture
def by_jwks_uri(jwt_client):
    client_auth._fetched.clear()
    jwt_client.jwks, jwt_client.jwks_uri = None, "http://localhost:8000/oidc/jwks.json"
    jwt_client.save()
    yield jwt_client
    client_auth._fetched.clear()


def test_keys_registered_by_jwks_uri_are_fetched_once_and_cached(rp, by_jwks_uri, key, monkeypatch):
    fake = FakeJwksUri(public_jwks(key))
    monkeypatch.setattr(client_auth.requests, "get", fake)
    assert push(rp, **assertion_params(key)).status_code == 201
    assert push(rp, **assertion_params(key)).status_code == 201
    assert fake.calls == 1


def test_an_unreachable_jwks_uri_is_invalid_client_not_a_500(rp, by_jwks_uri, key, monkeypatch):
    monkeypatch.setattr(client_auth.requests, "get", FakeJwksUri(None))
    assert_refused(push(rp, **assertion_params(key)))
