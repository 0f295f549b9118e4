"""DEVIDP_PROFILE=fapi2 (FAPI 2.0 Security Profile): every request pushed, private_key_jwt
only, DPoP required with nonces, codes of at most 60 s, tokens signed PS256 or ES256 that
verify against the published JWKS, and a discovery document that says all of it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from devidp import dpop
from devidp.models import AuthorizationCode, Client

from .conftest import API_AUDIENCE, CLIENT_ID, ISSUER, REDIRECT_URI, jwks
from .fapi import PAR_URL, assertion_params, dpop_proof, ec_key, public_jwks

pytestmark = pytest.mark.django_db


@pytest.fixture
def key():
    """The client's authentication key (registered) and, below, its DPoP key (not)."""
    return ec_key()


@pytest.fixture
def dpop_key():
    return ec_key()


@pytest.fixture
def fapi2(settings, demo, key) -> Client:
    settings.DEVIDP_PROFILE = "fapi2"
    client = Client.objects.get(client_id=CLIENT_ID)
    client.token_endpoint_auth_method = "private_key_jwt"
    client.jwks = public_jwks(key)
    client.save()
    return client


def push(rp, key, dpop_key, **params):
    return BrowserClient().post(
        "/idp/oauth/par",
        {**rp.params(**params), **assertion_params(key)},
        HTTP_DPOP=dpop_proof(dpop_key, htu=PAR_URL, nonce=dpop.nonce_issue()),
    )


def code_for(rp, user, key, dpop_key, **params) -> str:
    pushed = push(rp, key, dpop_key, **params)
    assert pushed.status_code == 201, pushed.content
    response = rp.authorize_pushed(pushed.json()["request_uri"])
    if "/idp/u/login" in response["Location"]:
        response = rp.sign_in(response, email=user.email)
    return rp.code(response)


def redeem(rp, code: str, key, dpop_key, *, nonce: str | None = "fresh"):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier,
        **assertion_params(key),
    }
    proof_nonce = dpop.nonce_issue() if nonce == "fresh" else nonce
    claims: dict[str, Any] = {"nonce": proof_nonce} if proof_nonce else {}
    headers: dict[str, Any] = {"HTTP_DPOP": dpop_proof(dpop_key, **claims)} if dpop_key else {}
    return BrowserClient().post("/idp/oauth/token", data, **headers)


def published_key_set() -> KeySet:
    return KeySet.import_key_set({"keys": jwks()["keys"]})


def test_a_fapi2_sign_in_gets_ps256_tokens_bound_to_the_dpop_key(rp, alice, fapi2, key, dpop_key):
    response = redeem(rp, code_for(rp, alice, key, dpop_key), key, dpop_key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "DPoP"
    access = jwt.decode(body["access_token"], published_key_set(), algorithms=["PS256"])
    identity = jwt.decode(body["id_token"], published_key_set(), algorithms=["PS256"])
    assert access.header["alg"] == identity.header["alg"] == "PS256"
    assert access.claims["cnf"] == {"jkt": dpop_key.thumbprint()}
    assert access.claims["aud"] == API_AUDIENCE
    assert (identity.claims["iss"], identity.claims["aud"]) == (ISSUER, CLIENT_ID)


def test_es256_tokens_verify_against_the_published_jwks(rp, alice, fapi2, key, dpop_key, settings):
    settings.DEVIDP_SIGNING_ALG = "ES256"
    body = redeem(rp, code_for(rp, alice, key, dpop_key), key, dpop_key).json()
    for token in (body["access_token"], body["id_token"]):
        assert jwt.decode(token, published_key_set(), algorithms=["ES256"]).header["alg"] == "ES256"


def test_fapi2_refuses_an_authorization_request_that_was_not_pushed(rp, fapi2):
    response = rp.authorize()
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]
    assert "PAR" in response["Location"]


def test_fapi2_requires_a_dpop_proof_at_the_token_endpoint(rp, alice, fapi2, key, dpop_key):
    response = redeem(rp, code_for(rp, alice, key, dpop_key), key, None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"


def test_fapi2_asks_for_a_nonce_and_then_accepts_the_retry(rp, alice, fapi2, key, dpop_key):
    code = code_for(rp, alice, key, dpop_key)
    refused = redeem(rp, code, key, dpop_key, nonce=None)
    assert (refused.status_code, refused.json()["error"]) == (400, "use_dpop_nonce")
    retried = redeem(rp, code, key, dpop_key, nonce=refused["DPoP-Nonce"])
    assert retried.status_code == 200, retried.content


def test_a_code_redeemed_with_another_key_than_the_pushed_proofs_is_refused(
    rp, alice, fapi2, key, dpop_key
):
    response = redeem(rp, code_for(rp, alice, key, dpop_key), key, ec_key())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_61_second_old_code_is_refused_in_fapi2(rp, alice, fapi2, key, dpop_key):
    code = code_for(rp, alice, key, dpop_key)
    row = AuthorizationCode.objects.get()
    assert row.expires_at - row.created_at <= timedelta(seconds=60)
    AuthorizationCode.objects.update(
        created_at=timezone.now() - timedelta(seconds=61),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = redeem(rp, code, key, dpop_key)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_fapi2_discovery_says_what_it_requires(fapi2):
    metadata = BrowserClient().get("/idp/.well-known/openid-configuration").json()
    assert metadata["require_pushed_authorization_requests"] is True
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert "RS256" not in metadata["token_endpoint_auth_signing_alg_values_supported"]
    assert set(metadata["dpop_signing_alg_values_supported"]) >= {"PS256", "ES256"}
    assert "RS256" not in metadata["dpop_signing_alg_values_supported"]
    assert metadata["id_token_signing_alg_values_supported"] == ["PS256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    print(json.dumps({k: metadata[k] for k in sorted(metadata) if k in FAPI2_FIELDS}, indent=1))


FAPI2_FIELDS = {
    "require_pushed_authorization_requests",
    "token_endpoint_auth_methods_supported",
    "token_endpoint_auth_signing_alg_values_supported",
    "dpop_signing_alg_values_supported",
    "id_token_signing_alg_values_supported",
}


def test_todays_discovery_keeps_secrets_and_rs256(demo):
    metadata = BrowserClient().get("/idp/.well-known/openid-configuration").json()
    assert metadata["require_pushed_authorization_requests"] is False
    assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
