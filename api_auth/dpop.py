"""DPoP proofs (RFC 9449): the key that a sender-constrained token is bound to signs each request.

A stolen DPoP-bound token is useless without the private key: every request carries a fresh
proof, a JWT signed by that key over the method, the URL and the token's hash.
`proof_check` runs the checks of RFC 9449 §4.3 (and §7.1, §8) in order, each refusal a
`DPoPChallenge`; `tokens.access_token_from_request` calls it for the `DPoP` scheme.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
import re
import struct
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import escape_uri_path

from .conf import MAX_LEEWAY, algorithms, app_settings, dpop_nonce_required
from .errors import DPoPChallenge, NotConfigured
from .models import DPoPProofSeen
from .verifiers import (
    PRIVATE_MEMBERS,
    THUMBPRINT_MEMBERS,
    Verifier,
    key_algorithms,
    verifier,
)

logger = logging.getLogger(__name__)

PROOF_TYPE = "dpop+jwt"
# A proof with an RSA-4096 key in its header is about 1.5 KB.
MAX_PROOF_LENGTH = 4096
MAX_JTI_LENGTH = 200
# Server nonces (§8) are an HMAC of a time bucket, so every worker makes and accepts the
# same ones with nothing stored; the current and the previous bucket's are accepted.
NONCE_LIFETIME = 300
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]")


def _refuse(description: str, reason: str | None = None) -> DPoPChallenge:
    logger.info("DPoP proof refused: %r", reason or description)
    return DPoPChallenge("invalid_dpop_proof", description)


def _b64decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise _refuse("The DPoP proof is not a well-formed JWT.") from None


def b64_sha256(value: str) -> str:
    """base64url SHA-256 without padding: `ath` of an access token (RFC 9449 §4.2)."""
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# --- Nonces (RFC 9449 §8) -------------------------------------------------------------------


def nonce_for(bucket: int) -> str:
    packed = struct.pack(">Q", bucket)
    mac = salted_hmac("api_auth.dpop.nonce", packed, algorithm="sha256").digest()[:16]
    return base64.urlsafe_b64encode(packed + mac).rstrip(b"=").decode()


def current_nonce(now: float | None = None) -> str:
    return nonce_for(int((time.time() if now is None else now) // NONCE_LIFETIME))


def nonce_valid(nonce: object, now: float | None = None) -> bool:
    """Made by this API (any worker) in this time bucket or the previous one."""
    if not isinstance(nonce, str) or len(nonce) > 64:
        return False
    bucket = int((time.time() if now is None else now) // NONCE_LIFETIME)
    return any(hmac.compare_digest(nonce, nonce_for(b)) for b in (bucket, bucket - 1))


# --- htu (RFC 9449 §4.3 step 9, RFC 3986 §6.2.2 and §6.2.3) -----------------------------


def normalized_url(url: str) -> str | None:
    """The URL without query and fragment, normalised by syntax and scheme; None if unusable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = _PERCENT_ENCODED.sub(_normalize_escape, parts.path) or "/"
    return urlunsplit((scheme, host, path, "", ""))


def _normalize_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group()[1:], 16))
    return char if _UNRESERVED.fullmatch(char) else match.group().upper()


def expected_htu(request: HttpRequest) -> str:
    """The configured external URL of this request: API_EXTERNAL_URL + the path. The Host
    header is never used: whoever sends the request writes it."""
    external = app_settings.EXTERNAL_URL
    if not external:
        # `manage.py check` names this (api_auth.W011 / E013).
        raise NotConfigured("This API cannot check DPoP proofs yet: set API_EXTERNAL_URL.")
    expected = normalized_url(str(external).rstrip("/") + escape_uri_path(request.path))
    if expected is None:
        raise NotConfigured("API_EXTERNAL_URL is not an http(s) URL.")
    return expected


# --- The proof's key ----------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _proof_verifier(alg: str, canonical_jwk: str) -> Verifier:
    # Building a public key validates it (an EC point on its curve, ...): done once per key
    # and algorithm, as a client keeps its DPoP key for a whole session.
    return verifier(json.loads(canonical_jwk), alg)


def _proof_key(header: Mapping[str, Any], alg: str) -> tuple[Verifier, str]:
    """The proof's verifier and the RFC 7638 thumbprint of its `jwk` header (§4.3 step 7)."""
    key = header.get("jwk")
    if not isinstance(key, dict):
        raise _refuse("The DPoP proof must carry its public key in the jwk header.")
    if PRIVATE_MEMBERS & key.keys():
        # RFC 9449 §4.3 step 7: a private key in the header is a client bug that leaks it.
        raise _refuse("The DPoP proof's jwk header must not contain a private key.")
    kty = key.get("kty")
    members = THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None or not all(isinstance(key.get(name), str) for name in members):
        raise _refuse("The DPoP proof's jwk is not a usable public key.", f"kty {kty!r}")
    if alg not in key_algorithms(key):
        raise _refuse("The DPoP proof's alg does not match its key.", f"alg {alg} kty {kty}")
    canonical = json.dumps(
        {name: key[name] for name in members}, separators=(",", ":"), sort_keys=True
    )
    try:
        proof_verifier = _proof_verifier(alg, canonical)
    except Exception as exc:  # any malformed key (bad point, bad modulus): refuse it
        raise _refuse("The DPoP proof's jwk is not a usable public key.", str(exc)) from None
    digest = hashlib.sha256(canonical.encode()).digest()
    return proof_verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# --- The check ------------------------------------------------------------------------------


def proof_check(request: HttpRequest, *, access_token: str, jkt: str | None) -> str:
    """Check the request's DPoP proof for `access_token`, bound to `jkt`; return the
    proof key's thumbprint. Raises `DPoPChallenge` (or `NotConfigured`)."""
    leeway = max(0, min(int(app_settings.TOKEN_LEEWAY), MAX_LEEWAY))
    max_age = int(app_settings.DPOP_PROOF_MAX_AGE)
    # §4.3 steps 1-2: exactly one DPoP header holding one JWT (two headers arrive joined
    # by a comma, which no compact JWS contains).
    proof = request.headers.get("DPoP")
    if not proof:
        raise _refuse("Send a DPoP proof in the DPoP header with this token.")
    if len(proof) > MAX_PROOF_LENGTH or not _COMPACT_JWS.fullmatch(proof):
        raise _refuse("The DPoP proof is not a single well-formed JWT.")
    header_segment, claims_segment, signature_segment = proof.split(".")
    try:
        header = json.loads(_b64decode(header_segment))
        claims = json.loads(_b64decode(claims_segment))
    except (ValueError, RecursionError):
        raise _refuse("The DPoP proof is not a well-formed JWT.") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _refuse("The DPoP proof is not a well-formed JWT.")
    # Step 4: explicitly typed, so no other JWT passes as a proof.
    if header.get("typ") != PROOF_TYPE:
        raise _refuse("The DPoP proof's typ must be dpop+jwt.")
    # Step 5: an asymmetric algorithm we accept (this refuses `none` and every HS*).
    alg = header.get("alg")
    if alg not in algorithms():
        raise _refuse("The DPoP proof's signing algorithm is not accepted.", f"alg {alg!r}")
    if "crit" in header:
        raise _refuse("The DPoP proof uses a critical header extension this API lacks.")
    # Steps 6-7: its own public key, and the signature by it.
    proof_verifier, thumbprint = _proof_key(header, alg)
    try:
        signature = _b64decode(signature_segment)
        verified = proof_verifier.verify(f"{header_segment}.{claims_segment}".encode(), signature)
    except Exception:  # a signature of the wrong length or shape is a bad signature
        verified = False
    if not verified:
        raise _refuse("The DPoP proof's signature is not valid.")
    # Step 3: the claims a proof must carry.
    for name in ("jti", "htm", "htu", "iat"):
        if name not in claims:
            raise _refuse(f"The DPoP proof lacks the {name} claim.")
    # Step 8: made for this method...
    if claims["htm"] != request.method:
        raise _refuse("The DPoP proof was made for another HTTP method.")
    # Step 9: ...and this URL, as the API's clients reach it.
    if not isinstance(claims["htu"], str) or normalized_url(claims["htu"]) != expected_htu(request):
        raise _refuse("The DPoP proof was made for another URL.")
    # Step 11: recent, within the window the jti store covers (and not from the future).
    iat = claims["iat"]
    now = time.time()
    if not isinstance(iat, int | float) or isinstance(iat, bool) or iat != iat:
        raise _refuse("The DPoP proof's iat must be a NumericDate.")
    if iat > now + leeway:
        raise _refuse("The DPoP proof was made in the future (iat).")
    if iat < now - max_age - leeway:
        raise _refuse("The DPoP proof is too old (iat).")
    # Step 12 (and §7.1): bound to this access token and to the key the token names.
    if claims.get("ath") != b64_sha256(access_token):
        raise _refuse("The DPoP proof was not made for this access token (ath).")
    if jkt is None or not hmac.compare_digest(thumbprint, jkt):
        raise DPoPChallenge(
            "invalid_token", "The access token is not bound to the key that signed this proof."
        )
    # Step 10 (§8): the server's nonce, when the API hands them out.
    if dpop_nonce_required() and not nonce_valid(claims.get("nonce")):
        raise DPoPChallenge(
            "use_dpop_nonce",
            "The DPoP proof must carry the nonce in the DPoP-Nonce header.",
            nonce=current_nonce(now),
        )
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise _refuse("The DPoP proof's jti is malformed.")
    # §11.1: last, so that only a proof that passed everything else is remembered.
    _remember(thumbprint, jti, until=iat + max_age + leeway + 1)
    return thumbprint


def _remember(thumbprint: str, jti: str, *, until: float) -> None:
    """Record the proof, or refuse it as a replay if any worker recorded it first."""
    key = hashlib.sha256(f"{thumbprint}\x1f{jti}".encode()).hexdigest()
    expires_at = datetime.fromtimestamp(until, tz=UTC) + timedelta(seconds=MAX_LEEWAY)
    # One plain INSERT: this runs on every DPoP request, and a model save() costs as much
    # as both signature checks together (scripts/bench_dpop.py).
    connection = connections[DEFAULT_DB_ALIAS]
    sql = _insert_sql(connection.vendor, connection.ops.quote_name)
    params = [key, connection.ops.adapt_datetimefield_value(expires_at)]
    try:
        if connection.in_atomic_block:
            # A savepoint: a replay inside a caller's transaction must not break it.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
    except IntegrityError:
        # The primary key refused it: this proof was used before (maybe a moment ago, by
        # another worker racing this one).
        raise _refuse("The DPoP proof has already been used.", "replayed jti") from None


@functools.cache
def _insert_sql(vendor: str, quote: Callable[[str], str]) -> str:
    """The INSERT for the replay table, spelled once per database vendor."""
    table = quote(DPoPProofSeen._meta.db_table)
    return f"INSERT INTO {table} ({quote('key')}, {quote('expires_at')}) VALUES (%s, %s)"  # noqa: S608


def seen_proofs_purge(*, now: datetime | None = None) -> int:
    """Forget proofs whose iat is out of the window anyway; returns how many."""
    deleted, _ = DPoPProofSeen.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
