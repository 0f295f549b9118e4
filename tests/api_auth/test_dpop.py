"""DPoP (RFC 9449) at the API: one test per MUST of §4.3, §7.1 and §8, each an attack over
HTTP against /api/accounts or /api/transfers that must fail, beside the request that works.

Proofs are made with joserfc as a client makes them (tests/tokens.py, `DPoPKey`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from api_auth import dpop
from api_auth.models import DPoPProofSeen
from tests.tokens import EXTERNAL_URL, DPoPKey, bearer, dpop_headers, unsigned_token

pytestmark = pytest.mark.django_db

URL = f"{EXTERNAL_URL}/api/accounts"
PATH = "/api/accounts"
ALGS = 'algs="RS256 PS256 ES256"'


@pytest.fixture
def bound_token(mint_token, dpop_key):
    """mint(**claims) -> an access token bound to `dpop_key` (cnf.jkt, RFC 9449 §6.1)."""

    def mint(**claims):
        return mint_token(cnf={"jkt": dpop_key.jkt}, **claims)

    return mint


def get_accounts(client, token, proof, path=PATH):
    return client.get(path, headers=dpop_headers(token, proof))


def assert_dpop_refused(response, description, error="invalid_dpop_proof"):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], body["detail"]) == (error, description)
    challenge = response["WWW-Authenticate"]
    # Both schemes are offered in the bearer profile; the error is on the DPoP one.
    assert challenge.startswith('Bearer realm="fabrikam-api", DPoP realm="fabrikam-api", ')
    assert f'error="{error}"' in challenge.partition("DPoP ")[2]
    assert challenge.endswith(ALGS)


def test_a_dpop_bound_token_with_its_proof_reads_the_accounts(
    client, bound_token, dpop_key, alice_checking
):
    token = bound_token()

    response = get_accounts(client, token, dpop_key.proof("GET", URL, token=token))

    assert response.status_code == 200
    assert [a["number"] for a in response.json()["accounts"]] == [alice_checking.number]


# --- §7.1/§7.2: the token is bound to the key ---------------------------------------------


def test_a_dpop_bound_token_sent_as_bearer_is_refused(client, bound_token, alice_checking):
    response = client.get(PATH, headers=bearer(bound_token()))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response["WWW-Authenticate"] == (
        'Bearer realm="fabrikam-api", error="invalid_token", error_description="This access '
        'token is bound to a key: send it as `Authorization: DPoP` with a proof.", '
        f'DPoP realm="fabrikam-api", {ALGS}'
    )


def test_a_dpop_bound_token_sent_as_bearer_with_a_proof_is_still_refused(
    client, bound_token, dpop_key, alice_checking
):
    token = bound_token()
    headers = {**bearer(token), "DPoP": dpop_key.proof("GET", URL, token=token)}

    response = client.get(PATH, headers=headers)

    assert response.status_code == 401
    assert "bound to a key" in response.json()["detail"]


def test_a_proof_by_another_key_is_refused(client, bound_token, alice_checking):
    token = bound_token()
    thief = DPoPKey("ES256")

    response = get_accounts(client, token, thief.proof("GET", URL, token=token))

    assert_dpop_refused(
        response,
        "The access token is not bound to the key that signed this proof.",
        error="invalid_token",
    )


def test_a_token_without_cnf_is_no_dpop_credential(client, mint_token, dpop_key):
    token = mint_token()

    response = get_accounts(client, token, dpop_key.proof("GET", URL, token=token))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert "not DPoP-bound" in response.json()["detail"]


def test_a_proof_for_another_access_token_is_refused(client, bound_token, dpop_key):
    token = bound_token()

    response = get_accounts(client, token, dpop_key.proof("GET", URL, token=bound_token()))

    assert_dpop_refused(response, "The DPoP proof was not made for this access token (ath).")


def test_a_proof_without_ath_is_refused(client, bound_token, dpop_key):
    response = get_accounts(client, bound_token(), dpop_key.proof("GET", URL))

    assert_dpop_refused(response, "The DPoP proof was not made for this access token (ath).")


def test_the_dpop_scheme_without_a_proof_is_refused(client, bound_token):
    response = client.get(PATH, headers={"Authorization": f"DPoP {bound_token()}"})

    assert_dpop_refused(response, "Send a DPoP proof in the DPoP header with this token.")


# --- §4.3, step by step ---------------------------------------------------------------------


def test_two_proofs_in_one_header_are_refused(client, bound_token, dpop_key):
    # Step 1: not more than one DPoP header (WSGI joins repeated headers with a comma).
    token = bound_token()
    proofs = ",".join(dpop_key.proof("GET", URL, token=token) for _ in range(2))

    response = get_accounts(client, token, proofs)

    assert_dpop_refused(response, "The DPoP proof is not a single well-formed JWT.")


@pytest.mark.parametrize("proof", ["not-a-jwt", "a.b", "e30.e30.e30.e30", "%%%.e30.sig"])
def test_a_proof_that_is_not_a_jwt_is_refused(client, bound_token, proof):
    # Step 2.
    response = get_accounts(client, bound_token(), proof)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_dpop_proof"


@pytest.mark.parametrize("missing", ["jti", "htm", "htu", "iat"])
def test_a_proof_without_a_required_claim_is_refused(client, bound_token, dpop_key, missing):
    # Step 3.
    token = bound_token()

    response = get_accounts(
        client, token, dpop_key.proof("GET", URL, token=token, **{missing: None})
    )

    assert_dpop_refused(response, f"The DPoP proof lacks the {missing} claim.")


@pytest.mark.parametrize("typ", [None, "JWT", "at+jwt"])
def test_a_proof_not_typed_dpop_jwt_is_refused(client, bound_token, dpop_key, typ):
    # Step 4.
    token = bound_token()

    response = get_accounts(
        client, token, dpop_key.proof("GET", URL, token=token, headers={"typ": typ})
    )

    assert_dpop_refused(response, "The DPoP proof's typ must be dpop+jwt.")


def _resigned(proof: str, header: dict, secret: bytes = b"") -> str:
    """The proof's claims under another header, HMAC-signed with `secret` or unsigned."""
    claims = json.loads(base64.urlsafe_b64decode(proof.split(".")[1] + "=="))
    unsigned = unsigned_token(header, claims)[:-1]
    if header["alg"] == "none":
        return unsigned + "."
    mac = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
    return f"{unsigned}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_a_proof_signed_with_none_or_hs256_is_refused(client, bound_token, dpop_key, alg):
    # Step 5: asymmetric only. An HS256 "signature" keyed with the public key's x.
    token = bound_token()
    jwk = dpop_key.public_jwk()
    header = {"typ": "dpop+jwt", "alg": alg, "jwk": jwk}
    proof = _resigned(dpop_key.proof("GET", URL, token=token), header, secret=jwk["x"].encode())

    response = get_accounts(client, token, proof)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_dpop_proof"
    if alg == "HS256":
        assert response.json()["detail"] == "The DPoP proof's signing algorithm is not accepted."


def test_a_proof_whose_alg_does_not_match_its_key_is_refused(client, bound_token, dpop_key):
    # Step 5: an RSA algorithm over an EC key is not this key's signature.
    token = bound_token()
    proof = dpop_key.proof("GET", URL, token=token)
    header = {"typ": "dpop+jwt", "alg": "PS256", "jwk": dpop_key.public_jwk()}
    forged = ".".join([unsigned_token(header, {}).split(".")[0], *proof.split(".")[1:]])

    response = get_accounts(client, token, forged)

    assert_dpop_refused(response, "The DPoP proof's alg does not match its key.")


def test_a_proof_with_a_private_key_in_its_jwk_is_refused(client, bound_token, dpop_key):
    # Step 6: the jwk header must not contain a private key.
    token = bound_token()
    private_jwk = dict(dpop_key.key.as_dict(private=True))

    response = get_accounts(
        client, token, dpop_key.proof("GET", URL, token=token, headers={"jwk": private_jwk})
    )

    assert_dpop_refused(response, "The DPoP proof's jwk header must not contain a private key.")


def test_a_proof_without_a_jwk_is_refused(client, bound_token, dpop_key):
    token = bound_token()

    response = get_accounts(
        client, token, dpop_key.proof("GET", URL, token=token, headers={"jwk": None})
    )

    assert_dpop_refused(response, "The DPoP proof must carry its public key in the jwk header.")


def test_a_proof_with_a_forged_signature_is_refused(client, bound_token, dpop_key):
    # Step 7: the signature, by the key in the header.
    token = bound_token()
    proof = dpop_key.proof("GET", URL, token=token)
    other = DPoPKey("ES256").proof("GET", URL, token=token)
    forged = ".".join([*proof.split(".")[:2], other.split(".")[2]])

    response = get_accounts(client, token, forged)

    assert_dpop_refused(response, "The DPoP proof's signature is not valid.")


def test_a_proof_for_another_method_is_refused(client, bound_token, dpop_key):
    # Step 8.
    token = bound_token()

    response = get_accounts(client, token, dpop_key.proof("POST", URL, token=token))

    assert_dpop_refused(response, "The DPoP proof was made for another HTTP method.")


@pytest.mark.parametrize(
    "htu",
    [
        f"{EXTERNAL_URL}/api/transfers",
        "http://attacker.example/api/accounts",
        "https://testserver/api/accounts",
        "http://testserver:8000/api/accounts",
        "/api/accounts",
    ],
)
def test_a_proof_for_another_url_is_refused(client, bound_token, dpop_key, htu):
    # Step 9.
    token = bound_token()

    response = get_accounts(client, token, dpop_key.proof("GET", htu, token=token))

    assert_dpop_refused(response, "The DPoP proof was made for another URL.")


@pytest.mark.parametrize(
    "htu",
    [
        f"{URL}?page=2#top",
        "HTTP://TestServer:80/api/accounts",
        "http://testserver/api/%61ccounts",
    ],
)
def test_the_htu_is_compared_without_query_or_fragment_and_normalised(
    client, bound_token, dpop_key, alice_checking, htu
):
    # Step 9: "ignoring any query and fragment", after RFC 3986 §6.2.2-6.2.3 normalisation.
    token = bound_token()

    response = get_accounts(client, token, dpop_key.proof("GET", htu, token=token))

    assert response.status_code == 200


def test_the_htu_is_the_configured_url_never_the_host_header(
    client, bound_token, dpop_key, api_settings
):
    # A proof made for the host the attacker writes in the request is not for this API.
    api_settings.ALLOWED_HOSTS = ["*"]
    token = bound_token()
    proof = dpop_key.proof("GET", "http://evil.example/api/accounts", token=token)

    response = client.get(PATH, headers=dpop_headers(token, proof), HTTP_HOST="evil.example")

    assert_dpop_refused(response, "The DPoP proof was made for another URL.")


@pytest.mark.parametrize(
    ("age", "description"),
    [
        (60 + 30 + 5, "The DPoP proof is too old (iat)."),
        (-(30 + 5), "The DPoP proof was made in the future (iat)."),
    ],
)
def test_a_proof_with_an_old_or_future_iat_is_refused(
    client, bound_token, dpop_key, age, description
):
    # Step 11: within the window (API_DPOP_PROOF_MAX_AGE 60 s, leeway 30 s).
    token = bound_token()
    proof = dpop_key.proof("GET", URL, token=token, iat=int(time.time()) - age)

    response = get_accounts(client, token, proof)

    assert_dpop_refused(response, description)


def test_a_replayed_proof_is_refused(client, bound_token, dpop_key, alice_checking):
    # Step 12: the jti, once, in the store all workers share (the database).
    token = bound_token()
    proof = dpop_key.proof("GET", URL, token=token)

    first = get_accounts(client, token, proof)
    replay = get_accounts(client, token, proof)

    assert first.status_code == 200
    assert_dpop_refused(replay, "The DPoP proof has already been used.")
    assert DPoPProofSeen.objects.count() == 1


def test_a_refused_proof_is_not_remembered(client, bound_token, dpop_key):
    token = bound_token()

    get_accounts(client, token, dpop_key.proof("POST", URL, token=token))

    assert not DPoPProofSeen.objects.exists()


def test_the_purge_command_forgets_proofs_past_their_window(
    client, bound_token, dpop_key, alice_checking
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    token = bound_token()
    get_accounts(client, token, dpop_key.proof("GET", URL, token=token))
    call_command("purge_spent_tokens")
    kept = DPoPProofSeen.objects.count()

    assert dpop.seen_proofs_purge(now=timezone.now() + timedelta(minutes=5)) == 1
    assert kept == 1


# --- §8: server nonces ------------------------------------------------------------------------


@pytest.fixture
def nonces(api_settings):
    api_settings.API_DPOP_NONCE = True
    return api_settings


def test_with_nonces_on_a_proof_without_one_gets_use_dpop_nonce_and_a_nonce(
    client, nonces, bound_token, dpop_key
):
    token = bound_token()

    response = get_accounts(client, token, dpop_key.proof("GET", URL, token=token))

    assert_dpop_refused(
        response,
        "The DPoP proof must carry the nonce in the DPoP-Nonce header.",
        error="use_dpop_nonce",
    )
    assert dpop.nonce_valid(response["DPoP-Nonce"])


def test_with_nonces_on_a_proof_with_the_servers_nonce_is_accepted(
    client, nonces, bound_token, dpop_key, alice_checking
):
    token = bound_token()
    first = get_accounts(client, token, dpop_key.proof("GET", URL, token=token))
    nonce = first["DPoP-Nonce"]

    retried = get_accounts(client, token, dpop_key.proof("GET", URL, token=token, nonce=nonce))

    assert retried.status_code == 200


@pytest.mark.parametrize("nonce", ["made-up", lambda: dpop.current_nonce(time.time() - 900)])
def test_with_nonces_on_a_made_up_or_stale_nonce_is_refused(
    client, nonces, bound_token, dpop_key, nonce
):
    token = bound_token()
    value = nonce() if callable(nonce) else nonce

    response = get_accounts(client, token, dpop_key.proof("GET", URL, token=token, nonce=value))

    assert response.json()["code"] == "use_dpop_nonce"
    assert response["DPoP-Nonce"] == dpop.current_nonce()


def test_nonces_are_the_same_in_every_worker_and_last_a_bucket_longer(settings):
    now = 1_800_000_000.0
    nonce = dpop.current_nonce(now)

    assert dpop.nonce_valid(nonce, now)
    assert dpop.nonce_valid(dpop.current_nonce(now - dpop.NONCE_LIFETIME), now)
    assert not dpop.nonce_valid(dpop.current_nonce(now - 2 * dpop.NONCE_LIFETIME), now)
    settings.SECRET_KEY = "another-deployment"  # another deployment's nonce is no nonce here
    assert not dpop.nonce_valid(nonce, now)


# --- The proof key's thumbprint (RFC 7638) -------------------------------------------------


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # joserfc, signing as the client
@pytest.mark.parametrize("alg", ["ES256", "PS256", "EdDSA"])
def test_proofs_by_ec_rsa_and_okp_keys_are_accepted(
    client, mint_token, strong_keys, api_settings, alice_checking, alg
):
    api_settings.API_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
    key = DPoPKey(alg)
    token = mint_token(cnf={"jkt": key.jkt})

    response = get_accounts(client, token, key.proof("GET", URL, token=token))

    assert response.status_code == 200


def test_the_guard_exposes_the_binding_and_the_issuer(rf, bound_token, dpop_key):
    from api_auth.tokens import access_token_from_request

    token = bound_token()
    request = rf.get(PATH, headers=dpop_headers(token, dpop_key.proof("GET", URL, token=token)))

    access = access_token_from_request(request)

    assert access.jkt == dpop_key.jkt
    assert access.iss == "https://idp.fabrikam.test/"
