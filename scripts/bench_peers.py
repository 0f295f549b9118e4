"""The guard's token check next to other libraries' checks of the same token.

    .venv/bin/pip install -e '.[bench]'     # the peers: PyJWT, auth0-api-python
    .venv/bin/python scripts/bench_peers.py [calls]

Each validates one RS256 RFC 9068 access token with warm keys, checking the signature,
`iss`, `aud`, `exp` and the claims it requires, in interleaved rounds (CPU time), and is
printed as a ratio to a bare `cryptography` RS256 verify measured in the same rounds:
- Fabrikam's `api_auth.tokens.access_token_validate` (python-jose verifies the signature);
- joserfc `jwt.decode` with a `JWTClaimsRegistry` (the checks Fabrikam makes);
- Authlib's RFC 9068 `JWTBearerTokenValidator` (authenticate_token + validate_token);
- PyJWT `jwt.decode` with its `PyJWKClient` (keys fetched once from a loopback JWKS);
- Auth0's `auth0-api-python` `ApiClient.verify_access_token` (its discovery and JWKS
  handed over through `custom_fetch`; it is async, so each call runs one coroutine).
A library that is not installed is left out, saying so. Figures, not a test.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import bench_token  # sets Django up
from scripts.bench_token import AUDIENCE, ISSUER, Signed


def joserfc_check(signed: Signed) -> Callable[[], object]:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.import_key(signed.public_jwk)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
    )

    def check() -> object:
        token = jwt.decode(signed.token, key, algorithms=["RS256"])
        if token.header.get("typ") != "at+jwt":
            raise ValueError("typ")
        registry.validate(token.claims)
        return token.claims

    return check


def authlib_check(signed: Signed) -> Callable[[], object]:
    from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
    from joserfc.jwk import KeySet

    keys = KeySet.import_key_set({"keys": [signed.public_jwk]})  # built once: warm keys

    class Validator(JWTBearerTokenValidator):
        def get_jwks(self) -> KeySet:
            return keys

    validator = Validator(issuer=ISSUER, resource_server=AUDIENCE)

    def check() -> object:
        claims = validator.authenticate_token(signed.token)
        validator.validate_token(claims, scopes=["read:accounts"], request=None)
        return claims

    return check


def pyjwt_check(signed: Signed, jwks_url: str) -> Callable[[], object]:
    import jwt

    client = jwt.PyJWKClient(jwks_url, cache_keys=True)

    def check() -> object:
        key = client.get_signing_key_from_jwt(signed.token)
        return jwt.decode(
            signed.token,
            key.key,
            algorithms=["RS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )

    return check


def auth0_check(signed: Signed) -> Callable[[], object]:
    from auth0_api_python import ApiClient, ApiClientOptions

    domain = ISSUER.removeprefix("https://").rstrip("/")
    documents: dict[str, dict[str, Any]] = {
        f"https://{domain}/.well-known/openid-configuration": {
            "issuer": ISSUER,
            "jwks_uri": f"https://{domain}/.well-known/jwks.json",
        },
        f"https://{domain}/.well-known/jwks.json": {"keys": [signed.public_jwk]},
    }

    async def fetch(url: str) -> dict:
        return documents[url]

    client = ApiClient(ApiClientOptions(domain=domain, audience=AUDIENCE, custom_fetch=fetch))
    loop = asyncio.new_event_loop()

    def check() -> object:
        return loop.run_until_complete(client.verify_access_token(access_token=signed.token))

    return check


def main(calls: int) -> None:
    from scripts.load_transfers import jwks_server

    warnings.simplefilter("ignore")  # Authlib's deprecation notices, once per call

    signed = bench_token.signed_token()
    cases = bench_token.fabrikam_and_raw(signed)
    missing = []
    with jwks_server(8339, {"keys": [signed.public_jwk]}) as jwks_url:
        for name, build in (
            ("joserfc", lambda: joserfc_check(signed)),
            ("authlib-rfc9068", lambda: authlib_check(signed)),
            ("pyjwt+PyJWKClient", lambda: pyjwt_check(signed, jwks_url)),
            ("auth0-api-python", lambda: auth0_check(signed)),
        ):
            try:
                cases[name] = build()
                cases[name]()  # raises if the library refuses the token
            except ImportError as exc:
                missing.append(f"{name} ({exc.name} not installed: pip install -e '.[bench]')")
                cases.pop(name, None)
        times = bench_token.interleaved(cases, iterations=calls, rounds=7)
    print(f"RS256 2048-bit, warm keys, 7 interleaved rounds x {calls} calls, CPU time, median")
    print(f"   raw cryptography RS256 verify        {statistics.median(times['raw']):7.1f} µs")
    for name in cases:
        if name == "raw":
            continue
        figures = bench_token.ratio_figures(times, name)
        print(
            f"   {name:20s}  {figures['us']:7.1f} µs   {figures['ratio']:5.2f}x raw"
            f"   (rounds {figures['low']:.2f}-{figures['high']:.2f})"
        )
    for line in missing:
        print(f"   left out: {line}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
