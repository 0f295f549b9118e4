"""What a FAPI 2.0 client sends the IdP: RFC 7523 client assertions and RFC 9449 proofs,
each with any claim or header changed, so a test can get exactly one thing wrong."""

from __future__ import annotations

import base64
import json
import secrets
import time

from joserfc import jws, jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from .conftest import CLIENT_ID, ISSUER

TOKEN_URL = f"{ISSUER}/oauth/token"
PAR_URL = f"{ISSUER}/oauth/par"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_OMIT = object()


def ec_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


def public_jwks(*keys: ECKey | RSAKey) -> dict:
    return {"keys": [{**k.as_dict(private=False), "kid": k.thumbprint()} for k in keys]}


def _unsigned(header: dict, claims: dict) -> str:
    """An `alg: none` JWT, which joserfc refuses to make."""
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part(header)}.{part(claims)}."


def _sign(header: dict, claims: dict, key) -> str:
    claims = {k: v for k, v in claims.items() if v is not _OMIT}
    if header["alg"] == "none":
        return _unsigned(header, claims)
    registry = jws.JWSRegistry(algorithms=[header["alg"]])
    registry.max_header_length = 4096  # an RSA jwk in a DPoP proof's header is long
    return jwt.encode(header, claims, key, registry=registry)


def client_assertion(key, *, alg: str = "ES256", **changes) -> str:
    """A valid private_key_jwt assertion for the demo client; `changes` replace claims
    (`_OMIT` drops one)."""
    now = int(time.time())
    claims = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": ISSUER,
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
        **changes,
    }
    kid = key.thumbprint() if hasattr(key, "thumbprint") and alg != "HS256" else None
    return _sign({"alg": alg, **({"kid": kid} if kid else {})}, claims, key)


def assertion_params(key, **changes) -> dict[str, str]:
    return {
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion(key, **changes),
    }


def dpop_proof(
    key,
    *,
    htm: str = "POST",
    htu: str = TOKEN_URL,
    alg: str = "ES256",
    header: dict | None = None,
    **changes,
) -> str:
    """A valid DPoP proof made with `key`; `changes` replace claims, `header` headers."""
    claims = {
        "jti": secrets.token_urlsafe(16),
        "htm": htm,
        "htu": htu,
        "iat": int(time.time()),
        **changes,
    }
    jwk = key.as_dict(private=False) if not isinstance(key, OctKey) else {}
    return _sign({"typ": "dpop+jwt", "alg": alg, "jwk": jwk, **(header or {})}, claims, key)


OMIT = _OMIT
