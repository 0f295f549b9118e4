"""DPoP at the token endpoint (RFC 9449): the section 4.3 checks one by one, the binding of
the access token to the proof's key (section 5, 6), `dpop_jkt` (section 10) and server
nonces (section 8), over HTTP where the client would see them."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from django.test import Client as BrowserClient
from joserfc.jwk import OctKey, OKPKey

from devidp import dpop
from devidp.dpop import InvalidDpopProofError, UseDpopNonceError, proof_verify

from .conftest import CLIENT_ID, REDIRECT_URI, basic_auth, verify_access_token
from .fapi import PAR_URL, TOKEN_URL, dpop_proof, ec_key, rsa_key
from .test_introspection import introspect

pytestmark = pytest.mark.django_db


@pytest.fixture
def key():
    return ec_key()


def check(proof: str, *, method: str = "POST", url: str = TOKEN_URL) -> str:
    return proof_verify(proof, method=method, url=url)


# --- Section 4.3, one check at a time ----------------------------------------------------


def test_a_valid_proof_gives_its_keys_thumbprint(key):
    assert check(dpop_proof(key)) == key.thumbprint()


def test_an_rsa_pss_proof_is_accepted_too():
    rsa = rsa_key()
    assert check(dpop_proof(rsa, alg="PS256")) == rsa.thumbprint()


def test_an_eddsa_proof_is_accepted_as_discovery_says():
    ed = OKPKey.generate_key("Ed25519", private=True)
    assert check(dpop_proof(ed, alg="EdDSA")) == ed.thumbprint()


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"header": {"typ": "JWT"}}, "typ must be dpop+jwt"),
        ({"htm": "GET"}, "made for another method"),
        ({"htu": "http://localhost:8000/idp/oauth/par"}, "made for another URL"),
        ({"htu": "https://evil.example/idp/oauth/token"}, "made for another host"),
        ({"iat": int(time.time()) - 300}, "too old"),
        ({"iat": int(time.time()) + 300}, "from the future"),
        ({"iat": "now"}, "iat not a number"),
        ({"jti": ""}, "no jti"),
        ({"header": {"jwk": {"kty": "oct", "k": "c2VjcmV0"}}}, "a symmetric jwk"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_proof_wrong_in_one_way_is_refused(key, kwargs, why):
    with pytest.raises(InvalidDpopProofError):
        check(dpop_proof(key, **kwargs))


def test_a_proof_carrying_its_private_key_is_refused(key):
    proof = dpop_proof(key, header={"jwk": key.as_dict(private=True)})
    with pytest.raises(InvalidDpopProofError, match="private"):
        check(proof)


def test_a_proof_signed_by_another_key_than_its_jwk_is_refused(key):
    proof = dpop_proof(key, header={"jwk": ec_key().as_dict(private=False)})
    with pytest.raises(InvalidDpopProofError, match="signature"):
        check(proof)


def test_a_proof_signed_hs256_or_none_is_refused(key):
    with pytest.raises(InvalidDpopProofError):
        check(dpop_proof(OctKey.generate_key(256), alg="HS256"))
    with pytest.raises(InvalidDpopProofError):
        check(dpop_proof(key, alg="none", header={"jwk": key.as_dict(private=False)}))


def test_a_replayed_proof_is_refused(key):
    proof = dpop_proof(key)
    check(proof)
    with pytest.raises(InvalidDpopProofError, match="used before"):
        check(proof)


def test_two_proofs_in_one_header_are_refused(key):
    with pytest.raises(InvalidDpopProofError):
        check(dpop_proof(key) + "," + dpop_proof(key))


def test_the_htu_is_compared_without_query_or_fragment(key):
    assert check(dpop_proof(key, htu=TOKEN_URL + "?x=1#y"))


def test_rs256_proofs_are_refused_in_fapi2(settings):
    rsa = rsa_key()
    assert check(dpop_proof(rsa, alg="RS256"))
    settings.DEVIDP_PROFILE = "fapi2"
    with pytest.raises(InvalidDpopProofError):
        check(dpop_proof(rsa, alg="RS256"))


# --- Section 8: server nonces ------------------------------------------------------------


def test_with_nonces_on_a_proof_without_one_asks_for_it(key, settings):
    settings.DEVIDP_DPOP_NONCE = True
    with pytest.raises(UseDpopNonceError) as refused:
        check(dpop_proof(key))
    nonce = dict(refused.value.get_headers())["DPoP-Nonce"]
    assert check(dpop_proof(key, nonce=nonce)) == key.thumbprint()


def test_a_forged_or_stale_nonce_is_refused(key, settings, monkeypatch):
    settings.DEVIDP_DPOP_NONCE = True
    with pytest.raises(UseDpopNonceError):
        check(dpop_proof(key, nonce="made-up"))
    stale = dpop.nonce_issue()
    later = time.time() + 3 * dpop.NONCE_PERIOD
    monkeypatch.setattr(dpop.time, "time", lambda: later)
    with pytest.raises(UseDpopNonceError):
        check(dpop_proof(key, nonce=stale, iat=int(later)))


# --- Over HTTP: binding, dpop_jkt, errors ----------------------------------------------


def claims_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def code_for(rp, user, **params) -> str:
    response = rp.authorize(**params)
    if "/idp/u/login" in response["Location"]:  # else the IdP's session signed them in
        response = rp.sign_in(response, email=user.email)
    return rp.code(response)


def redeem(rp, code: str, proof: str | None):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": rp.verifier,
        "client_id": CLIENT_ID,
        "client_secret": "demo-only-fabrikam-web-secret",
    }
    headers: dict[str, Any] = {"HTTP_DPOP": proof} if proof else {}
    return BrowserClient().post("/idp/oauth/token", data, **headers)


def test_a_proof_at_the_token_endpoint_binds_the_access_token_to_its_key(rp, alice, key):
    response = redeem(rp, code_for(rp, alice), dpop_proof(key))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "DPoP"
    claims = verify_access_token(body["access_token"])
    assert claims["cnf"] == {"jkt": key.thumbprint()}


def test_without_a_proof_today_s_profile_still_issues_a_bearer_token(rp, alice):
    body = redeem(rp, code_for(rp, alice), None).json()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in claims_of(body["access_token"])


def test_a_bad_proof_at_the_token_endpoint_is_a_400_invalid_dpop_proof(rp, alice, key):
    response = redeem(rp, code_for(rp, alice), dpop_proof(key, htm="GET"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"
    response = redeem(rp, code_for(rp, alice, nonce="another"), "not-a-jwt")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_dpop_proof")


def test_a_code_bound_by_dpop_jkt_is_refused_with_another_keys_proof(rp, alice, key):
    code = code_for(rp, alice, dpop_jkt=key.thumbprint())
    response = redeem(rp, code, dpop_proof(ec_key()))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_bound_by_dpop_jkt_is_refused_without_a_proof(rp, alice, key):
    code = code_for(rp, alice, dpop_jkt=key.thumbprint())
    assert redeem(rp, code, None).json()["error"] == "invalid_grant"


def test_a_code_bound_by_dpop_jkt_is_redeemed_with_that_keys_proof(rp, alice, key):
    code = code_for(rp, alice, dpop_jkt=key.thumbprint())
    body = redeem(rp, code, dpop_proof(key)).json()
    assert claims_of(body["access_token"])["cnf"]["jkt"] == key.thumbprint()


def push_with_proof(rp, proof: str, **params):
    return BrowserClient().post(
        "/idp/oauth/par", rp.params(**params), HTTP_AUTHORIZATION=basic_auth(), HTTP_DPOP=proof
    )


def test_a_proof_at_par_binds_the_code_to_its_key(rp, alice, key):
    response = push_with_proof(rp, dpop_proof(key, htu=PAR_URL))
    assert response.status_code == 201, response.content
    pushed = rp.authorize_pushed(response.json()["request_uri"])
    code = rp.code(rp.sign_in(pushed, email=alice.email))
    assert redeem(rp, code, dpop_proof(ec_key())).json()["error"] == "invalid_grant"


def test_par_refuses_a_dpop_jkt_that_is_not_the_proofs_key(rp, demo, key):
    response = push_with_proof(rp, dpop_proof(key, htu=PAR_URL), dpop_jkt=ec_key().thumbprint())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"


def test_a_malformed_dpop_jkt_is_refused_at_authorize(rp, demo):
    response = rp.push(dpop_jkt="short")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_nonce_refusal_leaves_the_code_for_the_retry(rp, alice, key, settings):
    settings.DEVIDP_DPOP_NONCE = True
    code = code_for(rp, alice)
    refused = redeem(rp, code, dpop_proof(key))
    assert refused.status_code == 400
    assert refused.json()["error"] == "use_dpop_nonce"
    nonce = refused["DPoP-Nonce"]
    retried = redeem(rp, code, dpop_proof(key, nonce=nonce))
    assert retried.status_code == 200, retried.content
    assert retried["DPoP-Nonce"]  # the next nonce to use (section 8.2)


def test_introspection_returns_the_binding(rp, alice, key, settings):
    token = redeem(rp, code_for(rp, alice), dpop_proof(key)).json()["access_token"]
    body = introspect(token).json()
    assert body["active"] is True
    assert body["cnf"] == {"jkt": key.thumbprint()}
    assert body["token_type"] == "DPoP"


def test_a_dpop_bound_token_sent_as_bearer_to_userinfo_is_refused(rp, alice, key):
    token = redeem(rp, code_for(rp, alice), dpop_proof(key)).json()["access_token"]
    response = BrowserClient().get("/idp/userinfo", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    unbound = redeem(rp, code_for(rp, alice, nonce="unbound"), None).json()["access_token"]
    response = BrowserClient().get("/idp/userinfo", HTTP_AUTHORIZATION=f"Bearer {unbound}")
    assert response.status_code == 200
