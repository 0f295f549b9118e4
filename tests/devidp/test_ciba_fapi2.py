"""CIBA in the FAPI 2.0 profile (`devidp/ciba.py`, `devidp/seed.py`): the assistant's
client is seeded for private_key_jwt, a secret is refused at both CIBA endpoints, the
token request needs a DPoP proof (with the server's nonce), and the access token is bound
to the proof's key (`cnf.jkt`)."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from joserfc import jwt
from joserfc.jwk import KeySet

from devidp import dpop
from devidp.models import CIBA_GRANT_TYPE
from devidp.seed import assistant_client_sync

from .conftest import MFA_POLICY, authorization_details, basic_auth, jwks
from .fapi import assertion_params, dpop_proof, ec_key, public_jwks
from .phone import paired_phone

pytestmark = pytest.mark.django_db

ASSISTANT = "fabrikam-assistant"
ASSISTANT_SECRET = "demo-only-fabrikam-assistant-secret"
PAYMENT = authorization_details(amount="42.00", payee="Adatum R.", destination="1000000021")


@pytest.fixture
def key():
    """The assistant's private_key_jwt key, registered at the IdP by the seed."""
    return ec_key()


@pytest.fixture
def dpop_key():
    return ec_key()


@pytest.fixture
def fapi2(settings, demo, key):
    settings.DEVIDP_PROFILE = "fapi2"
    settings.DEVIDP_ASSISTANT_CLIENT_JWKS = public_jwks(key)
    return assistant_client_sync()


def signed(key) -> dict[str, str]:
    return assertion_params(key, iss=ASSISTANT, sub=ASSISTANT)


def start(**credentials):
    data = {
        "scope": "openid transfer:funds",
        "login_hint": "alice@fabrikam.example",
        "binding_message": "FAB-4821",
        "acr_values": MFA_POLICY,
        "authorization_details": PAYMENT,
    }
    return HttpClient().post(
        "/idp/bc-authorize",
        {**data, **credentials.get("form", {})},
        **{k: v for k, v in credentials.items() if k != "form"},
    )


def poll(auth_req_id: str, form: dict[str, str], **headers):
    data = {"grant_type": CIBA_GRANT_TYPE, "auth_req_id": auth_req_id, **form}
    return HttpClient().post("/idp/oauth/token", data, **headers)


@pytest.fixture
def approved(fapi2, alice, key) -> str:
    """An auth_req_id the assistant asked for with its assertion, approved on the phone."""
    phone = paired_phone(alice)
    response = start(form=signed(key))
    assert response.status_code == 200, response.content
    (request,) = phone.requests()
    assert phone.answer(request, decision="approve").status_code == 200
    return response.json()["auth_req_id"]


def test_the_seed_registers_the_assistant_for_private_key_jwt_with_its_key(fapi2, key):
    assert fapi2.token_endpoint_auth_method == "private_key_jwt"
    assert fapi2.jwks == public_jwks(key)


def test_the_backchannel_endpoint_refuses_the_assistants_secret(fapi2, alice):
    paired_phone(alice)
    response = start(HTTP_AUTHORIZATION=basic_auth(ASSISTANT, ASSISTANT_SECRET))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_the_backchannel_endpoint_refuses_an_assertion_signed_by_another_key(fapi2, alice):
    paired_phone(alice)
    response = start(form=signed(ec_key()))
    # RFC 6749 section 5.2: 401 only when the client used the Authorization header.
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_the_ciba_grant_refuses_the_assistants_secret(approved, dpop_key):
    proof = dpop_proof(dpop_key, nonce=dpop.nonce_issue())
    response = poll(
        approved,
        {},
        HTTP_AUTHORIZATION=basic_auth(ASSISTANT, ASSISTANT_SECRET),
        HTTP_DPOP=proof,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_the_ciba_grant_refuses_a_token_request_without_a_dpop_proof(approved, key):
    response = poll(approved, signed(key))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"


def test_a_proof_without_the_servers_nonce_is_asked_again_and_the_request_is_not_spent(
    approved, key, dpop_key
):
    refused = poll(approved, signed(key), HTTP_DPOP=dpop_proof(dpop_key))
    assert refused.status_code == 400
    assert refused.json()["error"] == "use_dpop_nonce"
    proof = dpop_proof(dpop_key, nonce=refused["DPoP-Nonce"])
    assert poll(approved, signed(key), HTTP_DPOP=proof).status_code == 200


def test_the_ciba_access_token_is_bound_to_the_proofs_key(approved, key, dpop_key):
    proof = dpop_proof(dpop_key, nonce=dpop.nonce_issue())
    response = poll(approved, signed(key), HTTP_DPOP=proof)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "DPoP"
    claims = jwt.decode(
        body["access_token"], KeySet.import_key_set({"keys": jwks()["keys"]}), algorithms=["PS256"]
    ).claims
    assert claims["cnf"] == {"jkt": dpop_key.thumbprint()}
    assert claims["client_id"] == ASSISTANT
    assert claims["authorization_details"][0]["amount"] == "42.00"
