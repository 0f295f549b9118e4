"""What the DPoP-bound check costs: a token plus its proof through the guard, against the floor
of two raw signature checks.

    .venv/bin/python scripts/bench_dpop.py [iterations]

The guard's side is `api_auth.tokens.access_token_from_request` in the fapi2 profile with
server nonces on: an ES256 access token bound to an ES256 DPoP key, each request with a
fresh proof, so every check parses both JWTs, verifies both signatures, compares htm, htu,
iat, ath, cnf.jkt and the nonce, and records the proof's jti in the replay table (here an
in-memory SQLite database, so the figure is the guard's work, not a disk's fsync). The
floor is two bare `cryptography` ECDSA verifies of the same two signatures. Rounds are
interleaved so both sides see the same machine; the median round's ratio is printed.
A figure, not a test: nothing asserts on it.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fabrikam.settings.test")
os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django

django.setup()

import base64  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from joserfc import jws  # noqa: E402
from joserfc.jwk import ECKey  # noqa: E402

from api_auth import dpop, jwks  # noqa: E402
from api_auth.tokens import access_token_from_request  # noqa: E402

ISSUER = "https://idp.bench.example/"
AUDIENCE = "https://api.fabrikam.example"
EXTERNAL_URL = "https://bank.bench.example"
PATH = "/api/accounts"
SETTINGS = {
    "API_ISSUER": ISSUER,
    "API_AUDIENCE": AUDIENCE,
    "API_JWKS_URL": "https://idp.bench.example/jwks",
    "API_PROFILE": "fapi2",
    "API_ALGORITHMS": None,
    "API_DPOP_NONCE": True,
    "API_EXTERNAL_URL": EXTERNAL_URL,
    "API_ACCEPT_JWT_TYP": False,
    # As in production: DEBUG's query log would add its own cost to every INSERT.
    "DEBUG": False,
}


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def raw_verify(public: ec.EllipticCurvePublicKey, compact: str) -> None:
    """One bare ES256 verify: r||s to DER, then cryptography (raises if invalid)."""
    signing_input, _, signature = compact.rpartition(".")
    raw = unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))


def main(iterations: int, rounds: int = 9) -> None:
    call_command("migrate", "api_auth", verbosity=0)
    issuer_key = ECKey.generate_key("P-256", parameters={"kid": "bench", "alg": "ES256"})
    client_key = ECKey.generate_key("P-256")
    public_issuer = {**issuer_key.as_dict(private=False), "kid": "bench", "alg": "ES256"}
    jwks.jwks_cache = jwks.JwksCache(fetch=lambda: {"keys": [public_issuer]})
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "bench|alice",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
        "scope": "read:accounts",
        "jti": "bench-1",
        "client_id": "bench",
        "cnf": {"jkt": client_key.thumbprint()},
    }
    token = jws.serialize_compact(
        {"alg": "ES256", "typ": "at+jwt", "kid": "bench"}, json.dumps(claims).encode(), issuer_key
    )
    ath = b64(hashlib.sha256(token.encode()).digest()).decode()
    factory = RequestFactory()

    def requests(count: int) -> list:
        # Made ahead of timing: each check needs a fresh proof (its jti is single use).
        nonce = dpop.current_nonce()
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": client_key.as_dict(private=False)}
        made = []
        for _ in range(count):
            body = {
                "jti": uuid.uuid4().hex,
                "htm": "GET",
                "htu": EXTERNAL_URL + PATH,
                "iat": int(time.time()),
                "ath": ath,
                "nonce": nonce,
            }
            proof = jws.serialize_compact(header, json.dumps(body).encode(), client_key)
            made.append(
                factory.get(PATH, headers={"Authorization": f"DPoP {token}", "DPoP": proof})
            )
        return made

    issuer_public = issuer_key.get_op_key("verify")
    client_public = client_key.get_op_key("verify")
    with override_settings(**SETTINGS):
        access_token_from_request(requests(1)[0])  # warms the key cache; raises if refused
        guard, floor = [], []
        for _ in range(rounds):
            batch = requests(iterations)
            proofs = [request.headers["DPoP"] for request in batch]
            started = time.perf_counter()
            for request in batch:
                access_token_from_request(request)
            guard.append((time.perf_counter() - started) / iterations * 1e6)
            started = time.perf_counter()
            for proof in proofs:
                raw_verify(issuer_public, token)
                raw_verify(client_public, proof)
            floor.append((time.perf_counter() - started) / iterations * 1e6)
    ratios = [g / f for g, f in zip(guard, floor, strict=True)]
    print(f"DPoP-bound check, {rounds} interleaved rounds of {iterations} (median, best):")
    print(
        f"  guard: token + proof (fapi2, ES256, nonce, jti stored) "
        f"{statistics.median(guard):8.1f} µs  {min(guard):8.1f} µs"
    )
    print(
        f"  floor: two raw ES256 verifies (cryptography)            "
        f"{statistics.median(floor):8.1f} µs  {min(floor):8.1f} µs"
    )
    print(f"  ratio: {statistics.median(ratios):.2f}x (aim: at most 2.5x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
