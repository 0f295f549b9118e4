"""DPoP at the token endpoint (RFC 9449): check the client's proof of possession of a key,
so the tokens issued can be bound to that key (`cnf.jkt`) and are worthless to a thief.

`proof_verify` follows section 4.3's checks in order; each refusal is the protocol's
`invalid_dpop_proof`, or `use_dpop_nonce` with a fresh `DPoP-Nonce` (section 8). Nonces
are stateless (an HMAC of the time window under Django's SECRET_KEY), so every worker
issues and accepts the same ones; a proof's `jti` is spent in the shared database.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, datetime

from authlib.oauth2 import OAuth2Error, OAuth2Request
from django.utils.crypto import salted_hmac
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from . import conf
from .endpoints import endpoint_url
from .models import SpentJwtId
from .replay import jti_spend

# Section 4.3 item 11: `iat` within a window. Small, because a proof is made per request;
# the leeway covers clocks a little ahead of ours.
MAX_AGE = 60
LEEWAY = 5
NONCE_PERIOD = 120  # a nonce is good for this window and the next one (so 2 to 4 minutes)
MAX_HEADER_BYTES = 4096  # a 4096-bit RSA public key, base64url, with room to spare
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


class InvalidDpopProofError(OAuth2Error):
    """RFC 9449 section 5: the DPoP proof is missing, malformed or not valid here."""

    error = "invalid_dpop_proof"


class UseDpopNonceError(OAuth2Error):
    """RFC 9449 section 8: the proof must carry the nonce this answer provides."""

    error = "use_dpop_nonce"

    def __init__(self, description: str = "Resend the proof with the server's DPoP-Nonce.") -> None:
        super().__init__(description=description)

    def get_headers(self) -> list[tuple[str, str]]:
        return [*super().get_headers(), ("DPoP-Nonce", nonce_issue())]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _nonce_for(window: int) -> str:
    mac = salted_hmac("devidp.dpop-nonce", str(window), algorithm="sha256").digest()
    return _b64(window.to_bytes(8, "big") + mac[:16])


def nonce_issue() -> str:
    """The current server nonce, for the `DPoP-Nonce` header."""
    return _nonce_for(int(time.time()) // NONCE_PERIOD)


def nonce_valid(nonce: object) -> bool:
    window = int(time.time()) // NONCE_PERIOD
    return isinstance(nonce, str) and any(
        secrets.compare_digest(nonce, _nonce_for(w)) for w in (window, window - 1)
    )


def _registry(alg: str) -> jws.JWSRegistry:
    """joserfc's registry for one algorithm, with room for the header's key: an RSA `jwk`
    alone is longer than the default 512-byte header limit."""
    registry = jws.JWSRegistry(algorithms=[alg])
    registry.max_header_length = MAX_HEADER_BYTES
    return registry


def proof_verify(header: str | None, *, method: str, url: str) -> str:
    """Check a DPoP proof for a request to `url`; return its key's RFC 7638 thumbprint."""
    # Item 1: exactly one proof. Django joins repeated headers with ",", which a compact
    # JWS never contains.
    if not header or "," in header:
        raise InvalidDpopProofError("Send exactly one DPoP proof in the DPoP header.")
    # Item 2: a well-formed JWS, its header read before trusting anything in it.
    try:
        protected = json.loads(base64.urlsafe_b64decode(header.split(".")[0] + "=="))
    except (ValueError, IndexError) as error:
        raise InvalidDpopProofError("The DPoP proof is not a JWT.") from error
    if not isinstance(protected, dict):
        raise InvalidDpopProofError("The DPoP proof is not a JWT.")
    # Item 4: typ dpop+jwt, so no other kind of JWT can stand in for a proof.
    if protected.get("typ") != "dpop+jwt":
        raise InvalidDpopProofError("The proof's typ must be dpop+jwt.")
    # Item 5: an asymmetric algorithm we accept: never `none` or a MAC.
    if protected.get("alg") not in conf.client_algorithms():
        raise InvalidDpopProofError("The proof's alg is not one this server accepts.")
    # Item 6: the public key the proof is made with, and nothing private (section 4.2).
    jwk = protected.get("jwk")
    if not isinstance(jwk, dict) or jwk.get("kty") not in ("RSA", "EC", "OKP"):
        raise InvalidDpopProofError("The proof's jwk must be an asymmetric public key.")
    if _PRIVATE_MEMBERS & set(jwk):
        raise InvalidDpopProofError("The proof's jwk must not contain a private key.")
    # Item 7: the signature, with that key and only the algorithm it names.
    try:
        key = import_key(jwk)
        verified = jws.deserialize_compact(header, key, registry=_registry(protected["alg"]))
        claims = json.loads(verified.payload)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise InvalidDpopProofError("The DPoP proof's signature does not verify.") from error
    if not isinstance(claims, dict):
        raise InvalidDpopProofError("The DPoP proof's payload is not a JSON object.")
    jti, iat = claims.get("jti"), claims.get("iat")
    if not isinstance(jti, str) or not jti:
        raise InvalidDpopProofError("The proof has no jti.")
    # Items 8 and 9: made for this request's method and URL (no query, no fragment).
    if claims.get("htm") != method:
        raise InvalidDpopProofError("The proof's htm is not this request's method.")
    htu = claims.get("htu")
    if not isinstance(htu, str) or htu.split("#")[0].split("?")[0] != url:
        raise InvalidDpopProofError("The proof's htu is not this endpoint's URL.")
    # Item 10: the server's nonce, when it asks for one.
    if conf.app_settings.DPOP_NONCE and not nonce_valid(claims.get("nonce")):
        raise UseDpopNonceError()
    # Item 11: made just now.
    now = time.time()
    if (
        isinstance(iat, bool)
        or not isinstance(iat, int | float)
        or not (now - MAX_AGE <= iat <= now + LEEWAY)
    ):
        raise InvalidDpopProofError("The proof's iat is too old or in the future.")
    thumbprint = key.thumbprint()
    # Section 11.1: a proof works once (for as long as its iat would be accepted).
    if not jti_spend(
        kind=SpentJwtId.Kind.DPOP_PROOF,
        issuer=thumbprint,
        jti=jti,
        expires_at=datetime.fromtimestamp(iat + MAX_AGE + LEEWAY, tz=UTC),
    ):
        raise InvalidDpopProofError("This DPoP proof was used before.")
    return thumbprint


def proof_check(request: OAuth2Request, endpoint: str, *, required: bool) -> str | None:
    """The key thumbprint of the request's proof for one of our endpoints (by URL name), or
    None when it has none and none is `required`."""
    header = request.headers.get("DPoP")
    if header is None:
        if required:
            raise InvalidDpopProofError("This server requires a DPoP proof (FAPI 2.0).")
        return None
    return proof_verify(header, method=request.method, url=endpoint_url(endpoint))
