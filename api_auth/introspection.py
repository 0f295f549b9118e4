"""RFC 7662: ask the issuer whether it still vouches for a token before it moves money.

A signed token stays valid until it expires, even after the issuer revoked it (e.g. because
the authorization code behind it was redeemed twice, RFC 9700 §4.5). When the issuer's
discovery document advertises an `introspection_endpoint` and the API has credentials for
it, `@introspected` asks, on every endpoint that takes a token (reads too: a revoked token
reads nothing either). A token found inactive stays so until it expires, remembered by its
key, so it costs one lookup. A change of state asks afresh every time; a read may rely on
an "active" verdict for ACTIVE_TTL seconds, so one page's API calls cost one lookup: the
price is that a token revoked within those seconds may still read, never move money.
Auth0 has no such endpoint for its access tokens: there, single use and short lifetimes
are the mitigation.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import wraps
from typing import Any

import requests
from django.core.cache import cache
from django.http import HttpResponse

from .conf import app_settings
from .decorators import TokenRequest
from .errors import BearerChallenge, Problem
from .jwks import HTTP_TIMEOUT, IssuerUnavailable, discovery_url, json_get
from .problems import View

logger = logging.getLogger(__name__)

ENDPOINT_TTL = 600.0  # seconds a discovered endpoint (or its absence) is trusted
INACTIVE_TTL = 60  # at least this long an "inactive" verdict is remembered (else: until exp)
ACTIVE_TTL = 5  # seconds a read may rely on an "active" verdict (one page's API calls)
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class IntrospectionUnavailable(Problem):
    """The issuer did not answer: nothing is spent, and the client may retry."""

    code = "introspection_unavailable"
    status = 503


_endpoint_lock = threading.Lock()
_endpoint_cache: dict[str, tuple[float, str | None]] = {}


def introspection_endpoint() -> str | None:
    """API_INTROSPECTION_URL, or the issuer's advertised endpoint, or None (none offered)."""
    if url := app_settings.INTROSPECTION_URL:
        return url
    issuer = app_settings.ISSUER
    if not issuer:
        return None
    cached = _endpoint_cache.get(issuer)
    if cached and time.monotonic() - cached[0] < ENDPOINT_TTL:
        return cached[1]
    with _endpoint_lock:
        try:
            document = json_get(discovery_url(issuer))
        except IssuerUnavailable:
            if cached:  # keep what we knew; the issuer is having a bad minute
                return cached[1]
            raise IntrospectionUnavailable(
                "The identity provider cannot be asked about this token right now. Nothing "
                "was changed; try again shortly."
            ) from None
        endpoint = document.get("introspection_endpoint")
        if document.get("issuer") != issuer or not isinstance(endpoint, str):
            endpoint = None
        _endpoint_cache[issuer] = (time.monotonic(), endpoint)
        return endpoint


def token_active(
    raw_token: str,
    *,
    key: str,
    sub: str,
    jkt: str | None = None,
    expires_at: float | None = None,
    read: bool = False,
) -> bool:
    """The issuer's verdict on `raw_token` (RFC 7662 §2.2). "Inactive" is remembered until
    `expires_at`; "active" for ACTIVE_TTL seconds, for reads only (`read`)."""
    if cache.get(f"api_auth:inactive:{key}"):
        return False
    if read and cache.get(f"api_auth:active:{key}"):
        return True
    endpoint = introspection_endpoint()
    if endpoint is None:
        return True  # the issuer offers no introspection: the signature is all we have
    try:
        response = requests.post(
            endpoint,
            data={"token": raw_token, "token_type_hint": "access_token"},
            auth=(
                app_settings.INTROSPECTION_CLIENT_ID or "",
                app_settings.INTROSPECTION_CLIENT_SECRET or "",
            ),
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        verdict: Any = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("Introspection failed: %s", type(exc).__name__)
        raise IntrospectionUnavailable(
            "The identity provider cannot be asked about this token right now. Nothing was "
            "changed; try again shortly."
        ) from None
    # Only a literal `true` is active, and an answer about someone else is no answer; nor
    # is one binding the token to another DPoP key than its own (RFC 9449 §6.2).
    active = (
        isinstance(verdict, dict)
        and verdict.get("active") is True
        and verdict.get("sub", sub) == sub
        and _bound_key(verdict) in (None, jkt)
    )
    if not active:
        # Revocation is for good: remember it for the token's whole remaining life.
        lifetime = (expires_at - time.time()) if expires_at is not None else 0
        cache.set(f"api_auth:inactive:{key}", True, max(INACTIVE_TTL, int(lifetime) + 60))
    else:
        cache.set(f"api_auth:active:{key}", True, ACTIVE_TTL)
    return active


def _bound_key(verdict: dict[str, Any]) -> str | None:
    cnf = verdict.get("cnf")
    return cnf.get("jkt") if isinstance(cnf, dict) else None


def introspected(view: View) -> View:
    """Run the view only if the issuer still vouches for the token; use on every view under
    `token_required` (and above `single_use`, so a revoked token spends nothing)."""

    @wraps(view)
    def wrapper(request: TokenRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.token
        if app_settings.INTROSPECTION_CLIENT_ID:
            # The token alone, whichever scheme (Bearer or DPoP) carried it (RFC 7662 §2.1).
            raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
            exp = token.claims.get("exp")
            if not token_active(
                raw,
                key=token.key,
                sub=token.sub,
                jkt=token.jkt,
                expires_at=exp if isinstance(exp, int | float) else None,
                read=request.method in READS,
            ):
                raise BearerChallenge("invalid_token", "The access token has been revoked.")
        return view(request, *args, **kwargs)

    return wrapper
