"""The API's signing keys: the issuer's JWK Set, fetched rarely and cached in the process.

Only `tokens.py` uses this; it asks for a key by `kid` and algorithm and never sees HTTP.
RSA, EC (P-256) and OKP (Ed25519) keys are loaded; each becomes one verifier per
algorithm it may serve (`verifiers.py`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured

from .conf import app_settings
from .verifiers import Verifier, verifiers_for

logger = logging.getLogger(__name__)

# (connect, read) seconds: a slow identity provider must not hold API requests for long.
HTTP_TIMEOUT = (3.05, 5.0)
# An unknown `kid` refetches the key set at most this often, so a stream of forged tokens
# cannot turn the API into a traffic amplifier against the identity provider. The price:
# a key the provider starts using is picked up within a minute, not instantly.
REFRESH_INTERVAL = 60.0


class IssuerUnavailable(Exception):
    """A document of the issuer's (discovery, the key set, an introspection answer) could not
    be fetched or read; cached keys stay in use."""


def discovery_url(issuer: str) -> str:
    """`<issuer>/.well-known/openid-configuration`, whether or not the issuer ends in '/'.

    Auth0's issuer is `https://tenant/` and the dev IdP's `http://localhost:8000/idp`.
    """
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def jwks_source() -> str:
    """Where keys come from now: API_JWKS_URL if set, else the issuer's discovery document."""
    source = app_settings.JWKS_URL or app_settings.ISSUER
    if not source:
        raise ImproperlyConfigured("Set API_ISSUER: the API needs its keys.")
    return source


def jwks_fetch() -> Mapping[str, Any]:
    """The issuer's JWK Set, located through discovery unless API_JWKS_URL names it."""
    url = app_settings.JWKS_URL
    if not url:
        issuer = jwks_source()
        discovery = json_get(discovery_url(issuer))
        # OIDC Discovery 1.0 §4.3: a document naming another issuer is not ours to trust.
        if discovery.get("issuer") != issuer:
            raise IssuerUnavailable("the discovery document names a different issuer")
        url = discovery.get("jwks_uri")
        if not isinstance(url, str) or not url:
            raise IssuerUnavailable("the discovery document has no jwks_uri")
    return json_get(url)


def json_get(url: str) -> Mapping[str, Any]:
    """A JSON object from the issuer, or IssuerUnavailable (network, status, not an object)."""
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise IssuerUnavailable(f"{url}: {exc}") from exc
    if not isinstance(document, dict):
        raise IssuerUnavailable(f"{url}: not a JSON object")
    return document


def keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, dict[str, Verifier]]:
    """Signing keys by `kid`, each as {algorithm: verifier}, built once, here.

    Keys the API could never use (other types or curves, encryption keys, no kid) are
    skipped, and a malformed key is logged and skipped rather than hiding the good ones.
    """
    entries = jwks.get("keys")
    keys: dict[str, dict[str, Verifier]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if entry.get("use", "sig") != "sig" or not isinstance(kid, str) or not kid:
            continue
        try:
            verifiers = verifiers_for(entry)
        except Exception as exc:  # any malformed key from the network: skip it, keep the rest
            logger.warning("Skipping unusable JWK %r: %s", kid, exc)
            continue
        if verifiers:
            keys[kid] = verifiers
    return keys


class JwksCache:
    """Keys by `kid`, refreshed on an unknown `kid` at most once per `refresh_interval`.

    Thread-safe: readers take the current (source, keys) pair, swapped in one assignment;
    refreshes are serialised by a lock so a burst of unknown kids makes one fetch. A failed
    refresh keeps the cached keys, so an identity provider outage does not take the API down.
    `fetch` and `clock` are injectable for tests; `fetch` defaults to this module's
    `jwks_fetch`, looked up at call time.
    """

    def __init__(
        self,
        *,
        fetch: Callable[[], Mapping[str, Any]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresh_interval: float = REFRESH_INTERVAL,
    ) -> None:
        self._fetch = fetch
        self.clock = clock
        self.refresh_interval = refresh_interval
        self._lock = threading.Lock()
        self._state: tuple[str | None, dict[str, dict[str, Verifier]]] = (None, {})
        self._loaded = False
        self._last_refresh: float | None = None

    def get(self, kid: str, alg: str = "RS256") -> Verifier | None:
        """The key for `kid` as a verifier for `alg`, or None when the issuer does not (or
        cannot now) vouch for it, or the key is not one for that algorithm (RFC 8725 §3.1)."""
        source = jwks_source()
        cached_source, keys = self._state
        if cached_source == source and kid in keys:
            return keys[kid].get(alg)
        with self._lock:
            if self._state[0] != source:
                # The configured issuer changed (reconfiguration, tests): its keys start over.
                self._state, self._loaded, self._last_refresh = (source, {}), False, None
            keys = self._state[1]
            if kid in keys:  # another thread refreshed while this one waited
                return keys[kid].get(alg)
            now = self.clock()
            if self._last_refresh is not None and now - self._last_refresh < self.refresh_interval:
                return None
            if self._loaded:  # the limit is for unknown kids; the first load is not one
                self._last_refresh = now
            self._loaded = True
            return self._refresh(source).get(kid, {}).get(alg)

    def _refresh(self, source: str) -> dict[str, dict[str, Verifier]]:
        fetch = self._fetch or jwks_fetch
        try:
            keys = keys_from_jwks(fetch())
        except IssuerUnavailable as exc:
            logger.warning("JWKS refresh failed; keeping %d cached keys: %s", len(self), exc)
            return self._state[1]
        self._state = (source, keys)
        logger.info("JWKS refreshed from %s: %d signing keys", source, len(keys))
        return keys

    def clear(self) -> None:
        with self._lock:
            self._state, self._loaded, self._last_refresh = (None, {}), False, None

    def __len__(self) -> int:
        return len(self._state[1])


# One cache per process, shared by every request thread.
jwks_cache = JwksCache()
