"""One JWK as signature verifiers, one per algorithm it may serve, and its RFC 7638 thumbprint.

python-jose verifies RS256 and ES256 (the project's JOSE library); it has no RSASSA-PSS or
EdDSA, so PS256 and EdDSA go through joserfc's algorithms over the same public key. Every
verifier answers `verify(signing_input, signature) -> bool`, so the guard never asks which
library is behind a key. Used for the issuer's keys (`jwks.py`) and DPoP proof keys alike.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol

from jose import jwk as jose_jwk
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

# Which algorithms a key type serves, and on which curve (RFC 7518 §3, RFC 8037 §3.1).
KEY_ALGORITHMS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("RSA", None): ("RS256", "PS256"),
    ("EC", "P-256"): ("ES256",),
    ("OKP", "Ed25519"): ("EdDSA",),
}
# RFC 7638 §3.2: the members a thumbprint hashes, per key type, in lexicographic order.
THUMBPRINT_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
}
# Private members of RSA, EC and OKP keys (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})
_JOSERFC_KEYS: dict[str, type[RSAKey] | type[ECKey] | type[OKPKey]] = {
    "RSA": RSAKey,
    "EC": ECKey,
    "OKP": OKPKey,
}


class Verifier(Protocol):
    def verify(self, msg: bytes, sig: bytes) -> bool: ...


class JoserfcVerifier:
    """A joserfc algorithm bound to one public key, shaped like a python-jose key."""

    def __init__(self, alg: str, entry: Mapping[str, Any]) -> None:
        self._alg = JWSRegistry.algorithms[alg]
        self._key = _JOSERFC_KEYS[entry["kty"]].import_key(public_members(entry))

    def verify(self, msg: bytes, sig: bytes) -> bool:
        return self._alg.verify(msg, sig, self._key)


def public_members(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in entry.items() if name not in PRIVATE_MEMBERS}


def key_algorithms(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """The algorithms a JWK may verify: its type's (and curve's), narrowed to its `alg`."""
    kty, crv = entry.get("kty"), entry.get("crv")
    if not isinstance(kty, str) or not (crv is None or isinstance(crv, str)):
        return ()
    served = KEY_ALGORITHMS.get((kty, None) if kty == "RSA" else (kty, crv), ())
    declared = entry.get("alg")
    if declared is None:
        return served
    return (declared,) if declared in served else ()


def verifier(entry: Mapping[str, Any], alg: str) -> Verifier:
    """A verifier for `alg` over the public part of `entry` (ValueError-like on a bad key)."""
    if alg in ("RS256", "ES256"):
        return jose_jwk.construct(public_members(entry), alg)
    return JoserfcVerifier(alg, entry)


def verifiers_for(entry: Mapping[str, Any]) -> dict[str, Verifier]:
    """{algorithm: verifier} for every algorithm the key may serve."""
    return {alg: verifier(entry, alg) for alg in key_algorithms(entry)}


def thumbprint(entry: Mapping[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url): what `cnf.jkt` names (RFC 9449 §6.1)."""
    members = THUMBPRINT_MEMBERS[entry["kty"]]
    canonical = json.dumps(
        {name: entry[name] for name in members}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
