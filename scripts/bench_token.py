"""What validating one access token costs: api_auth.tokens with warm keys vs a bare RSA check.

    .venv/bin/python scripts/bench_token.py [iterations]

Prints microseconds per token for the full validation (python-jose, cached key objects,
every claim check) and for a raw `cryptography` RS256 signature check of the same token,
and their ratio, all measured in this one run. A figure, not a test: nothing asserts on it.
"""

from __future__ import annotations

import os
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fabrikam.settings.test")

import django

django.setup()

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from jose import jwk, jwt  # noqa: E402
from jose.utils import base64url_decode  # noqa: E402

from api_auth import jwks  # noqa: E402
from api_auth import tokens as bearer  # noqa: E402

ISSUER = "https://idp.bench.example/"
AUDIENCE = "https://api.fabrikam.example"


def best_per_call(function, iterations: int, repeats: int = 5) -> float:
    """Microseconds per call, best of `repeats` runs: the least disturbed measurement."""
    return min(timeit.repeat(function, number=iterations, repeat=repeats)) / iterations * 1e6


def measure(iterations: int) -> dict[str, float]:
    """Microseconds per token: full validation, python-jose alone, and the bare RSA check."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = private.public_key()
    public_jwk = {**jwk.construct(private_pem, "RS256").public_key().to_dict(), "kid": "bench"}
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": ISSUER,
            "sub": "bench|alice",
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 3600,
            "scope": "read:accounts",
            "jti": "bench-1",
        },
        private_pem,
        "RS256",
        headers={"typ": "at+jwt", "kid": "bench"},
    )

    # Warm cache: the keys are fetched (here: handed over) and built once, as in a server.
    jwks.jwks_cache = jwks.JwksCache(fetch=lambda: {"keys": [public_jwk]})
    with override_settings(API_ISSUER=ISSUER, API_AUDIENCE=AUDIENCE, API_JWKS_URL=None):
        bearer.access_token_validate(token=token)  # warms the cache; raises if invalid
        full = best_per_call(lambda: bearer.access_token_validate(token=token), iterations)
        key = jwks.jwks_cache.get("bench")

    def jose_decode() -> None:
        jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER)

    jose_only = best_per_call(jose_decode, iterations)

    signing_input, _, signature_b64 = token.rpartition(".")
    signature = base64url_decode(signature_b64.encode())

    def raw_check() -> None:
        public.verify(signature, signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())

    raw = best_per_call(raw_check, iterations)
    return {"bytes": len(token), "full": full, "jose": jose_only, "raw": raw}


def main(iterations: int) -> None:
    figures = measure(iterations)
    full, jose_only, raw = figures["full"], figures["jose"], figures["raw"]
    size = figures["bytes"]
    print(f"token: {size:.0f} bytes, RS256 2048-bit, {iterations} iterations, best of 5")
    print(f"api_auth.tokens.access_token_validate (warm keys): {full:8.1f} µs/token")
    print(f"  of which python-jose jwt.decode (same key):      {jose_only:8.1f} µs/token")
    print(f"cryptography RSA PKCS1v15 SHA-256 verify only:     {raw:8.1f} µs/token")
    print(f"ratio full / raw:                                  {full / raw:8.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
