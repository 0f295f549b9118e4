"""The client's own signing key, for `private_key_jwt` (RFC 7523): loaded from
OIDC_CLIENT_KEY (PEM or a JWK as JSON) or OIDC_CLIENT_KEY_FILE, and its public half
published at /oidc/jwks.json so a provider can register the client by `jwks_uri`.

An EC P-256 key signs ES256 and an RSA key (2048 bits or more) PS256: the algorithms
FAPI 2.0 allows. RS256 is never used, even where a provider would take it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from .conf import app_settings

ClientKey = ECKey | RSAKey
MIN_RSA_BITS = 2048


class UnusableKey(Exception):
    """OIDC_CLIENT_KEY(_FILE) is missing, unreadable, public only, or of a kind that cannot
    sign ES256 or PS256. The message names the setting, never the key."""


def configured() -> bool:
    return bool(app_settings.CLIENT_KEY or app_settings.CLIENT_KEY_FILE)


def client_key() -> ClientKey:
    """The client's private key; `UnusableKey` says why there is none."""
    text = app_settings.CLIENT_KEY
    if not text and (path := app_settings.CLIENT_KEY_FILE):
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise UnusableKey(
                f"OIDC_CLIENT_KEY_FILE cannot be read ({exc.strerror or type(exc).__name__})."
            ) from None
    if not text:
        raise UnusableKey("private_key_jwt needs OIDC_CLIENT_KEY or OIDC_CLIENT_KEY_FILE.")
    return _parse(str(text).strip())


@lru_cache(maxsize=4)
def _parse(text: str) -> ClientKey:
    # Cached by content: the key is parsed once per process, and a changed setting (a test,
    # a rotation) is a new entry.
    key = _import(text)
    if not key.is_private:
        raise UnusableKey("OIDC_CLIENT_KEY holds a public key; the client needs its private key.")
    if isinstance(key, ECKey) and key.curve_name != "P-256":
        raise UnusableKey("OIDC_CLIENT_KEY: an EC key must be on P-256 (ES256).")
    if isinstance(key, RSAKey) and key.raw_value.key_size < MIN_RSA_BITS:
        raise UnusableKey(f"OIDC_CLIENT_KEY: an RSA key needs at least {MIN_RSA_BITS} bits.")
    if not key.kid:
        # RFC 7638: with no kid of its own, the key is named by its thumbprint.
        key = type(key).import_key(key.as_dict(private=True), {"kid": key.thumbprint()})
    return key


def _import(text: str) -> ClientKey:
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise UnusableKey("OIDC_CLIENT_KEY is neither PEM nor a JWK (JSON).") from None
        kty = data.get("kty") if isinstance(data, dict) else None
        try:
            if kty == "EC":
                return ECKey.import_key(data)
            if kty == "RSA":
                return RSAKey.import_key(data)
        except (JoseError, ValueError, TypeError):
            raise UnusableKey("OIDC_CLIENT_KEY is not a valid JWK.") from None
        raise UnusableKey("OIDC_CLIENT_KEY: only EC (P-256) and RSA keys can sign.")
    try:
        return ECKey.import_key(text)
    except (JoseError, ValueError, TypeError):
        pass  # not an EC key: perhaps RSA
    try:
        return RSAKey.import_key(text)
    except (JoseError, ValueError, TypeError):
        pass
    raise UnusableKey("OIDC_CLIENT_KEY is not a PEM EC (P-256) or RSA private key.")


def signing_alg(key: ClientKey) -> str:
    return "ES256" if isinstance(key, ECKey) else "PS256"


def public_jwks() -> dict[str, Any]:
    """The JWK Set to publish: the public half only, with its kid, use and alg."""
    if not configured():
        return {"keys": []}
    key = client_key()
    public = key.as_dict(private=False)
    return {"keys": [{**public, "kid": key.kid, "use": "sig", "alg": signing_alg(key)}]}
