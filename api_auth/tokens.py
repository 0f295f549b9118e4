"""Bearer access tokens: the one place a token is read and validated.

Follows RFC 6750 (header and challenges), RFC 9068 (JWT access tokens) and RFC 8725 (JWT
best practice). Views declare what they need with `decorators.token_required(...)`.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.http import HttpRequest
from jose.exceptions import JOSEError

from . import dpop, jwks
from .claims import is_numeric_date
from .conf import MAX_LEEWAY, algorithms, app_settings, bearer_accepted
from .errors import BearerChallenge, NotConfigured

logger = logging.getLogger(__name__)

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
# An RS256 access token is about 1 KB; anything past this is refused before it is parsed.
MAX_TOKEN_LENGTH = 8192
# RFC 6750 §2.1 b64token: what a bearer token may look like in the header.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# python-jose's wording for a claim that `require_*` demanded and the token lacks.


@dataclass(frozen=True)
class AccessToken:
    """A validated access token. It never keeps the token itself."""

    sub: str
    scopes: frozenset[str]
    claims: Mapping[str, Any]
    # Names this token for single-use bookkeeping: `iss` + `jti`, or, without a jti (Auth0's
    # default profile), a hash of the signature's bytes, which no re-spelling changes.
    key: str

    @property
    def jti(self) -> str | None:
        return self.claims.get("jti")

    @property
    def iss(self) -> str:
        """Who vouches for `sub`: only the pair names a person (OpenID Connect Core §5.7)."""
        return self.claims["iss"]

    @property
    def jkt(self) -> str | None:
        """The RFC 7638 thumbprint of the DPoP key this token is bound to (RFC 9449 §6.1),
        or None for a bearer token. Safe to show: it names a public key."""
        cnf = self.claims.get("cnf")
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        return jkt if isinstance(jkt, str) else None

    def has_scopes(self, *scopes: str) -> bool:
        return set(scopes) <= self.scopes


def _refuse(description: str, reason: str | None = None) -> BearerChallenge:
    """An invalid_token challenge, logged with its reason; the token itself is never logged."""
    logger.info("Access token refused: %r", reason or description)
    return BearerChallenge("invalid_token", description)


def _accepted_typ(typ: object) -> bool:
    if typ is not None and not isinstance(typ, str):
        return False
    if typ and typ.lower() in ACCESS_TOKEN_TYPES:
        return True
    # Auth0's default profile says `JWT` (and some providers say nothing); so does an ID
    # token, whose `aud` (the client id) then stops it.
    return app_settings.ACCEPT_JWT_TYP and (typ is None or typ.lower() == "jwt")


def _check_numeric_dates(claims: Mapping[str, Any]) -> None:
    # python-jose coerces with int(): "exp": "9999999999" would pass and a list or
    # Infinity would raise outside JOSEError.
    for name in ("exp", "iat", "nbf"):
        if name in claims and not is_numeric_date(claims[name]):
            raise _refuse(f"The {name} claim must be a NumericDate.")


# RFC 7515 §7.1 / RFC 7519 §7.2: a compact JWS is three base64url segments without padding.
# Hot path (every request): decoded by binascii directly, in strict mode, instead of a
# regex and base64.urlsafe_b64decode's extra copies.
_TO_STANDARD_ALPHABET = bytes.maketrans(b"-_", b"+/")
_B64URL_VALUE = {
    character: value
    for value, character in enumerate(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
}
# Bits the last character carries beyond the last byte, by length % 4 (RFC 4648 §3.5).
_UNUSED_LOW_BITS = (0, 0, 0b1111, 0b11)


def _b64decode(segment: str) -> bytes:
    """base64url without padding (RFC 7515 §2), or ValueError."""
    # The standard alphabet's `+` and `/` and padding are not base64url; after translating
    # `-_`, binascii's strict mode refuses every other stray character (a regex over the
    # alphabet would cost more than the decoding). 4n+1 characters are never base64.
    if not segment or "+" in segment or "/" in segment or "=" in segment or len(segment) % 4 == 1:
        raise ValueError("not unpadded base64url")
    padded = segment.encode("ascii").translate(_TO_STANDARD_ALPHABET) + b"=" * (-len(segment) % 4)
    return binascii.a2b_base64(padded, strict_mode=True)  # binascii.Error is a ValueError


def _b64decode_strict(segment: str) -> bytes:
    """base64url without padding, in its one canonical spelling, or ValueError.

    python-jose decodes leniently (padding, `+` and `/`, stray low bits), so the same
    signature could be spelled several ways; refusing all but one keeps a token one token.
    Padding and the alphabet are refused by `_b64decode`; what is left is the stray low
    bits of the last character, which must be zero (the same answer as re-encoding and
    comparing, without the re-encoding).
    """
    decoded = _b64decode(segment)
    if _B64URL_VALUE[segment[-1]] & _UNUSED_LOW_BITS[len(segment) % 4]:
        raise ValueError("not the canonical base64url spelling")
    return decoded


@functools.lru_cache(maxsize=64)
def _header(segment: str) -> Mapping[str, Any]:
    """A JOSE header segment, parsed once per spelling.

    An issuer sends the same few headers (one per key) on every token, so the parse is
    cached; the result is shared by requests, hence read-only. A flood of distinct headers
    only evicts entries (the cache is bounded): it costs the sender, not correctness.
    """
    header = json.loads(_b64decode(segment).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return MappingProxyType(header)


def _check_registered_claims(
    claims: Mapping[str, Any], *, issuer: str, audience: str, leeway: int
) -> None:
    """RFC 9068 §4 and RFC 7519 §4.1, each with the refusal a client can act on."""
    for name in ("aud", "iss", "exp", "iat", "sub"):  # RFC 9068 §2.2: all REQUIRED
        if name not in claims:
            raise _refuse(f"The token lacks the required {name} claim.")
    now = time.time()
    # exp, nbf and iat are NumericDates (checked before the key lookup); leeway is skew.
    if now > claims["exp"] + leeway:
        raise _refuse("The access token has expired.")
    if "nbf" in claims and now < claims["nbf"] - leeway:
        raise _refuse("The token's claims are not accepted: The token is not yet valid (nbf)")
    if claims["iat"] > now + leeway:
        raise _refuse("The token was issued in the future (iat).")
    # The issuer exactly, and this API among the audiences: another issuer's token, or a
    # token for another API (or an ID token, whose aud is a client), is not ours to accept.
    if claims["iss"] != issuer:
        raise _refuse("The token's claims are not accepted: Invalid issuer")
    audiences = [claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"]
    if not isinstance(audiences, list) or audience not in audiences:
        raise _refuse("The token's claims are not accepted: Invalid audience")
    if "jti" in claims and not isinstance(claims["jti"], str):
        raise _refuse("The token's claims are not accepted: JWT ID must be a string.")


def _unverified_parts(token: str) -> tuple[Mapping[str, Any], dict[str, Any], bytes]:
    """Header, claims and signature bytes, read once and trusted for nothing but refusing
    early and naming the token. (python-jose's get_unverified_* helpers decode all three
    segments on every call.)
    """
    try:
        header_segment, claims_segment, signature_segment = token.split(".")
        # Header and claims are signed as spelled, so another spelling fails the signature;
        # only the signature's own spelling needs to be the canonical one.
        header = _header(header_segment)
        # JSON text in a JWT is UTF-8 (RFC 7519 §7.2): decoded as such, not sniffed.
        claims = json.loads(_b64decode(claims_segment).decode("utf-8"))
        # An empty signature is an unsecured JWS (`alg: none`), refused by its alg below.
        signature = _b64decode_strict(signature_segment) if signature_segment else b""
    # Wrong segment count, bad base64, UTF-8 or JSON; or JSON nested deep enough to exhaust
    # the parser's recursion limit, which would otherwise escape as a 500.
    except (ValueError, RecursionError) as exc:
        raise _refuse("The access token is not a well-formed JWT.", str(exc)) from None
    if not isinstance(claims, dict):
        raise _refuse("The access token is not a well-formed JWT.", "not JSON objects")
    return header, claims, signature


def access_token_validate(*, token: str) -> AccessToken:
    """Validate an access token for this API, or raise an invalid_token BearerChallenge."""
    issuer, audience = app_settings.ISSUER, app_settings.AUDIENCE
    if not issuer or not audience:
        # `manage.py check` warned about this at start-up (api_auth.W002/W003).
        raise NotConfigured("This API is not configured yet: API_ISSUER and API_AUDIENCE.")
    leeway = max(0, min(int(app_settings.TOKEN_LEEWAY), MAX_LEEWAY))

    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("The access token is too large.")
    header, unverified_claims, signature = _unverified_parts(token)
    # Decided from the header before any key is looked up: this is what refuses `alg: none`
    # and an HS256 token "signed" with our public key (RFC 8725 §2.1, §3.1).
    alg = header.get("alg")
    if alg not in algorithms():
        raise _refuse("The token's signing algorithm is not accepted.", f"alg {alg!r}")
    # An access token for an API, not an ID token or another kind of JWT (RFC 9068 §4).
    if not _accepted_typ(typ := header.get("typ")):
        if isinstance(typ, str) and typ.lower() == "jwt":
            # Auth0's default profile: say which setting fixes it, not just "refused".
            raise _refuse(
                "The token says typ JWT, not at+jwt (RFC 9068). For Auth0's default token "
                "profile set API_ACCEPT_JWT_TYP=true, or switch the API to the RFC 9068 profile.",
                "typ 'JWT' with API_ACCEPT_JWT_TYP off",
            )
        raise _refuse("The token is not an access token (typ).", f"typ {typ!r}")
    # RFC 7515 §4.1.11: a critical extension we do not understand means we must refuse.
    if "crit" in header:
        raise _refuse("The token uses a critical header extension this API does not support.")
    _check_numeric_dates(unverified_claims)
    # The key comes from our issuer's key set by kid; `jku`, `x5u` and `jwk` headers would
    # let the token choose its own key, so they are never read.
    kid = header.get("kid")
    key = jwks.jwks_cache.get(kid, alg) if isinstance(kid, str) and kid else None
    if key is None:
        raise _refuse("The token was not signed by a key of the issuer.", f"unknown kid {kid!r}")

    # The signature, checked by python-jose's key over exactly the bytes that were signed
    # (RFC 7515 §5.2). The claims segment was parsed once above; jwt.decode would parse the
    # whole token again and then check the claims below with its own rules.
    signing_input = token.rpartition(".")[0].encode()
    try:
        verified = key.verify(signing_input, signature)
    except (JOSEError, ValueError, TypeError):
        verified = False
    if not verified:
        raise _refuse("The access token could not be verified.", "signature")
    claims = unverified_claims  # signed as spelled: trusted from here on
    _check_registered_claims(claims, issuer=issuer, audience=audience, leeway=leeway)
    scope = claims.get("scope", "")
    if not isinstance(claims["sub"], str) or not claims["sub"] or not isinstance(scope, str):
        raise _refuse("The token's sub or scope claim is malformed.")
    jti = claims.get("jti")
    if jti:
        use_key = "jti:" + hashlib.sha256(f"{claims['iss']}\x1f{jti}".encode()).hexdigest()
    else:
        use_key = "sig:" + hashlib.sha256(signature).hexdigest()
    return AccessToken(
        sub=claims["sub"],
        scopes=frozenset(scope.split()),
        claims=MappingProxyType(claims),
        key=use_key,
    )


def access_token_from_request(request: HttpRequest) -> AccessToken:
    """The request's validated token, from the Authorization header and nowhere else:
    `Bearer <token>` (RFC 6750), or `DPoP <token>` with its proof (RFC 9449 §7.1)."""
    header = request.headers.get("Authorization")
    scheme, _, token = (header or "").partition(" ")
    scheme = scheme.lower()
    if not header or scheme not in ("bearer", "dpop"):
        # No credentials at all (a token in the query string or form body is not a method
        # this API supports, so it counts as none): RFC 6750 §3.1, no error code.
        raise BearerChallenge()
    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("The access token is too large.")
    token = token.strip()
    if not _B64TOKEN.fullmatch(token):
        spelled = "DPoP" if scheme == "dpop" else "Bearer"
        raise _refuse(f"The Authorization header is not `{spelled} <token>`.")
    if "access_token" in request.GET:
        # RFC 6750 §2: a client must not use more than one method; the URL copy is leaked.
        raise BearerChallenge("invalid_request", "Send the access token in the header only.")
    if scheme == "bearer" and not bearer_accepted():
        # FAPI 2.0 §5.3.4: sender-constrained tokens only.
        raise _refuse("This API takes DPoP-bound tokens only: send `Authorization: DPoP`.")
    access_token = access_token_validate(token=token)
    if scheme == "dpop":
        if access_token.jkt is None:
            # RFC 9449 §7.1: the DPoP scheme is for DPoP-bound tokens.
            raise _refuse("This access token is not DPoP-bound: it is no DPoP credential.")
        dpop.proof_check(request, access_token=token, jkt=access_token.jkt)
    elif "cnf" in access_token.claims:
        # A sender-constrained token without its proof is a stolen one (RFC 9449 §7.2).
        raise _refuse(
            "This access token is bound to a key: send it as `Authorization: DPoP` with a proof."
        )
    return access_token
