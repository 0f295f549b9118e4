"""API_PROFILE over HTTP: bearer takes RS256, PS256 and ES256; fapi2 takes DPoP-bound PS256,
ES256 and EdDSA tokens only, and refuses RS256 and the Bearer scheme (FAPI 2.0 §5.3.4)."""

from __future__ import annotations

import json

import pytest

from api_auth.models import DPoPProofSeen, SpentToken
from tests.tokens import EXTERNAL_URL, bearer, dpop_headers

pytestmark = pytest.mark.django_db

PATH = "/api/accounts"
URL = f"{EXTERNAL_URL}{PATH}"
FAPI_DPOP = 'DPoP realm="fabrikam-api", algs="PS256 ES256 EdDSA"'


@pytest.mark.parametrize("alg", ["PS256", "ES256"])
def test_the_bearer_profile_accepts_ps256_and_es256_tokens(
    client, mint_token, strong_keys, alice_checking, alg
):
    response = client.get(PATH, headers=bearer(mint_token(key=strong_keys[alg])))

    assert response.status_code == 200
    assert [a["number"] for a in response.json()["accounts"]] == [alice_checking.number]


def test_the_bearer_profile_refuses_eddsa_unless_configured(client, mint_token, strong_keys):
    response = client.get(PATH, headers=bearer(mint_token(key=strong_keys["EdDSA"])))

    assert response.status_code == 401
    assert response.json()["detail"] == "The token's signing algorithm is not accepted."


def test_a_token_whose_alg_is_not_its_keys_is_refused(client, mint_token, strong_keys):
    # An RSA key published for PS256 does not verify RS256 (RFC 8725 §3.1).
    ps256_key = strong_keys["PS256"]
    token = mint_token(key=ps256_key, headers={"kid": ps256_key.kid, "alg": "ES256"})

    response = client.get(PATH, headers=bearer(token))

    assert response.status_code == 401
    assert response.json()["detail"] == "The token was not signed by a key of the issuer."


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # joserfc, signing as the client
@pytest.mark.parametrize("alg", ["PS256", "ES256", "EdDSA"])
def test_fapi2_accepts_dpop_bound_strong_tokens(
    client, fapi2, mint_token, strong_keys, dpop_key, alice_checking, alg
):
    token = mint_token(key=strong_keys[alg], cnf={"jkt": dpop_key.jkt})

    response = client.get(
        PATH, headers=dpop_headers(token, dpop_key.proof("GET", URL, token=token))
    )

    assert response.status_code == 200


def test_fapi2_refuses_an_rs256_token_even_with_its_proof(client, fapi2, mint_token, dpop_key):
    token = mint_token(cnf={"jkt": dpop_key.jkt})  # the RS256 test key

    response = client.get(
        PATH, headers=dpop_headers(token, dpop_key.proof("GET", URL, token=token))
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'DPoP realm="fabrikam-api", error="invalid_token", '
        'error_description="The token\'s signing algorithm is not accepted.", '
        'algs="PS256 ES256 EdDSA"'
    )


def test_fapi2_refuses_the_bearer_scheme(client, fapi2, mint_token, strong_keys):
    response = client.get(PATH, headers=bearer(mint_token(key=strong_keys["ES256"])))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('DPoP realm="fabrikam-api", error="invalid_token"')
    assert "Bearer" not in challenge.replace("`Authorization: DPoP`", "")


def test_fapi2_without_credentials_offers_dpop_only(client, fapi2):
    response = client.get(PATH)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == FAPI_DPOP
    assert "Authorization: DPoP" in response.json()["detail"]


def test_fapi2_refuses_an_unbound_token_under_the_dpop_scheme(
    client, fapi2, mint_token, strong_keys, dpop_key
):
    token = mint_token(key=strong_keys["ES256"])

    response = client.get(
        PATH, headers=dpop_headers(token, dpop_key.proof("GET", URL, token=token))
    )

    assert response.status_code == 401
    assert "not DPoP-bound" in response.json()["detail"]


def test_fapi2_hands_out_nonces_when_they_are_on(client, fapi2, mint_token, strong_keys, dpop_key):
    fapi2.API_DPOP_NONCE = None  # the profile's default: on
    token = mint_token(key=strong_keys["ES256"], cnf={"jkt": dpop_key.jkt})

    response = client.get(
        PATH, headers=dpop_headers(token, dpop_key.proof("GET", URL, token=token))
    )

    assert response.status_code == 401
    assert response.json()["code"] == "use_dpop_nonce"
    assert response["DPoP-Nonce"]


# --- Single use and the transfer API, on top of DPoP --------------------------------------


def post_transfer(client, token, proof, body, key="dpop-transfer-0001"):
    return client.post(
        "/api/transfers",
        data=json.dumps(body),
        content_type="application/json",
        headers={**dpop_headers(token, proof), "Idempotency-Key": key},
    )


def test_a_dpop_bound_transfer_token_moves_money_once_with_a_fresh_proof_each_time(
    client, fapi2, transfer_token, strong_keys, dpop_key, payment, alice_checking
):
    token = transfer_token(key=strong_keys["ES256"], cnf={"jkt": dpop_key.jkt})
    url = f"{EXTERNAL_URL}/api/transfers"

    first = post_transfer(client, token, dpop_key.proof("POST", url, token=token), payment)
    retry = post_transfer(
        client, token, dpop_key.proof("POST", url, token=token, jti="same"), payment
    )
    again = post_transfer(
        client, token, dpop_key.proof("POST", url, token=token, jti="same"), payment
    )
    other_body = post_transfer(
        client, token, dpop_key.proof("POST", url, token=token), {**payment, "amount": "1.00"}
    )

    assert first.status_code == 201
    # An exact retry with a new proof gets the stored answer (single use, unchanged).
    assert retry.status_code == 201
    assert retry.json() == first.json()
    # The same proof twice is a replay, whatever the token's state.
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_dpop_proof"
    assert other_body.status_code == 401
    assert other_body.json()["detail"] == "The access token has already been used."
    assert 'DPoP realm="fabrikam-api", error="invalid_token"' in other_body["WWW-Authenticate"]
    assert SpentToken.objects.count() == 1
    assert DPoPProofSeen.objects.count() == 3
