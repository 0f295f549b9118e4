"""One JWK as verifiers: which algorithms a key serves, and its RFC 7638 thumbprint."""

from __future__ import annotations

import pytest

from api_auth import jwks
from api_auth.verifiers import key_algorithms, thumbprint
from tests.tokens import DPoPKey

# RFC 7638 §3.1's example key and its thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6"
    "tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65Y"
    "GjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
    "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_the_thumbprint_is_rfc_7638s():
    assert thumbprint(RFC7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "PS256"])
def test_the_thumbprint_is_the_one_a_client_library_computes(alg):
    key = DPoPKey(alg)
    assert thumbprint(key.public_jwk()) == key.jkt


@pytest.mark.parametrize(
    ("entry", "algorithms"),
    [
        ({"kty": "RSA"}, ("RS256", "PS256")),
        ({"kty": "RSA", "alg": "PS256"}, ("PS256",)),
        ({"kty": "EC", "crv": "P-256"}, ("ES256",)),
        ({"kty": "EC", "crv": "P-384"}, ()),
        ({"kty": "EC", "crv": "P-256", "alg": "RS256"}, ()),
        ({"kty": "OKP", "crv": "Ed25519"}, ("EdDSA",)),
        ({"kty": "OKP", "crv": "X25519"}, ()),
        ({"kty": "oct"}, ()),
    ],
)
def test_a_key_serves_its_types_algorithms_narrowed_to_its_alg(entry, algorithms):
    assert key_algorithms(entry) == algorithms


def test_the_key_set_loads_rsa_ec_and_okp_keys_and_skips_the_unusable(strong_signing_keys):
    entries = [key.public_jwk() for key in strong_signing_keys.values()]
    broken = {**strong_signing_keys["ES256"].public_jwk(), "kid": "broken", "x": "AAAA"}
    encryption = {**strong_signing_keys["PS256"].public_jwk(), "kid": "enc", "use": "enc"}

    keys = jwks.keys_from_jwks({"keys": [*entries, broken, encryption]})

    assert {kid: sorted(verifiers) for kid, verifiers in keys.items()} == {
        "test-PS256": ["PS256"],
        "test-ES256": ["ES256"],
        "test-EdDSA": ["EdDSA"],
    }
