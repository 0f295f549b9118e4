"""What validating one access token costs: api_auth.tokens with warm keys vs a bare RSA check.

    .venv/bin/python scripts/bench_token.py [iterations]

Prints microseconds per token for the full validation (python-jose, cached key objects,
every claim check) and for a raw `cryptography` RS256 signature check of the same token,
and their ratio, measured in interleaved rounds of this one run (the ratio is taken within
each round, then the median; the spread of the rounds beside it). A figure, not a test.
`scripts/bench_peers.py` measures other libraries the same way.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def per_call(function: Callable[[], object], iterations: int) -> float:
    """CPU microseconds per call over `iterations` calls.

    This process's CPU time, not the wall clock: on a shared machine the wall clock also
    counts the time other processes held the CPU, which says nothing about this code.
    """
    timer = timeit.Timer(function, timer=time.process_time)
    return timer.timeit(number=iterations) / iterations * 1e6


def interleaved(
    cases: dict[str, Callable[[], object]], *, iterations: int, rounds: int
) -> dict[str, list[float]]:
    """µs per call of each case, round by round, the cases taking turns within each round
    (in a rotating order) so that drift on a shared machine lands on all of them alike."""
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm every path once: key objects, caches, imports
        cases[name]()
    for index in range(rounds):
        for name in names[index % len(names) :] + names[: index % len(names)]:
            times[name].append(per_call(cases[name], iterations))
    return times


def ratio_figures(times: dict[str, list[float]], name: str, floor: str = "raw") -> dict[str, float]:
    """Median µs of `name`, and the median, lowest and highest of its per-round ratio to
    `floor` (each ratio taken within one round, so both were measured under the same load)."""
    ratios = [a / b for a, b in zip(times[name], times[floor], strict=True)]
    return {
        "us": statistics.median(times[name]),
        "ratio": statistics.median(ratios),
        "low": min(ratios),
        "high": max(ratios),
    }


@dataclass(frozen=True)
class Signed:
    """One RFC 9068 access token and the key pair that signed it (RS256, 2048 bits)."""

    token: str
    private: rsa.RSAPrivateKey
    private_pem: str
    public_jwk: dict[str, Any]


def signed_token() -> Signed:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_jwk = {
        **jwk.construct(private_pem, "RS256").public_key().to_dict(),
        "kid": "bench",
        "use": "sig",
        "alg": "RS256",
    }
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": ISSUER,
            "sub": "bench|alice",
            "aud": AUDIENCE,
            "client_id": "bench-client",
            "iat": now,
            "exp": now + 3600,
            "scope": "read:accounts",
            "jti": "bench-1",
        },
        private_pem,
        "RS256",
        headers={"typ": "at+jwt", "kid": "bench"},
    )
    return Signed(token=token, private=private, private_pem=private_pem, public_jwk=public_jwk)


def fabrikam_and_raw(signed: Signed) -> dict[str, Callable[[], object]]:
    """The guard's full check with warm keys, and the floor: a bare RS256 verify."""
    token = signed.token
    # Warm cache: the keys are fetched (here: handed over) and built once, as in a server.
    jwks.jwks_cache = jwks.JwksCache(fetch=lambda: {"keys": [signed.public_jwk]})
    overridden = override_settings(API_ISSUER=ISSUER, API_AUDIENCE=AUDIENCE, API_JWKS_URL=None)
    overridden.enable()  # for the whole process: this script's only configuration
    bearer.access_token_validate(token=token)  # warms the cache; raises if invalid

    signing_input, _, signature_b64 = token.rpartition(".")
    signature = base64url_decode(signature_b64.encode())
    public = signed.private.public_key()

    def raw_check() -> None:
        public.verify(signature, signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())

    return {"fabrikam": lambda: bearer.access_token_validate(token=token), "raw": raw_check}


def measure(iterations: int, rounds: int = 7) -> dict[str, float]:
    """The guard against the raw verify, in interleaved rounds: µs and ratio figures."""
    times = interleaved(fabrikam_and_raw(signed_token()), iterations=iterations, rounds=rounds)
    return {
        **ratio_figures(times, "fabrikam"),
        "raw_us": statistics.median(times["raw"]),
        "rounds": rounds,
    }


def main(iterations: int) -> None:
    figures = measure(iterations)
    print(f"RS256 2048-bit, {figures['rounds']} interleaved rounds x {iterations} calls, median")
    print(f"api_auth.tokens.access_token_validate (warm keys): {figures['us']:8.1f} µs/token")
    print(f"cryptography RSA PKCS1v15 SHA-256 verify only:     {figures['raw_us']:8.1f} µs/token")
    print(
        f"ratio full / raw:  {figures['ratio']:.2f}x  "
        f"(rounds {figures['low']:.2f}-{figures['high']:.2f})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
