"""The tokens a signed-in session holds: kept server-side in the session, never in a page,
a URL or a log.

- the sign-in tokens (access token for the sign-in scopes, ID token and its claims);
- elevated access tokens from API step-ups, one per scope, each used once.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from .errors import SignInRequired

TOKENS_KEY = "oidc_tokens"
ELEVATED_KEY = "oidc_elevated"  # {scope: {...}}: apart from the sign-in tokens
EXPIRY_MARGIN = 30  # seconds: refresh a little early rather than send a token the API refuses
ID_CLAIMS_KEPT = ("sub", "name", "email", "amr", "acr", "auth_time", "iat", "exp", "sid")


def _expires_at(token: dict[str, Any]) -> int:
    return int(token.get("expires_at") or time.time() + int(token.get("expires_in", 0)))


@sensitive_variables("token")
def sign_in_store(request: HttpRequest, token: dict[str, Any]) -> None:
    claims = token["userinfo"]
    request.session[TOKENS_KEY] = {
        "access_token": token["access_token"],
        "expires_at": _expires_at(token),
        "scope": token.get("scope", ""),
        "id_token": token.get("id_token"),
        "claims": {key: claims[key] for key in ID_CLAIMS_KEPT if key in claims},
        "obtained_at": int(time.time()),
    }


def sign_in_tokens(request: HttpRequest) -> dict[str, Any]:
    return request.session.get(TOKENS_KEY) or {}


@sensitive_variables("tokens")
def sign_in_access_token(request: HttpRequest) -> str:
    """The sign-in access token, or `SignInRequired` when it is missing or expired."""
    tokens = sign_in_tokens(request)
    if not tokens.get("access_token"):
        raise SignInRequired("Please sign in.")
    if tokens["expires_at"] - EXPIRY_MARGIN <= time.time():
        raise SignInRequired("Your session has expired; signing you in again.", code="expired")
    return tokens["access_token"]


def id_claims(request: HttpRequest) -> dict[str, Any]:
    return sign_in_tokens(request).get("claims", {})


@sensitive_variables("tokens", "token")
def id_claims_update(request: HttpRequest, token: dict[str, Any]) -> None:
    """A step-up passed: the new ID token's amr/acr/auth_time become the session's."""
    tokens = request.session.get(TOKENS_KEY)
    if not tokens:  # signed in some other way (e.g. the admin's login): nothing to refresh
        return
    claims = token["userinfo"]
    tokens["claims"].update({k: claims[k] for k in ("amr", "acr", "auth_time") if k in claims})
    tokens["id_token"] = token.get("id_token", tokens.get("id_token"))
    request.session.modified = True


@sensitive_variables("elevated", "token")
def elevated_store(
    request: HttpRequest,
    scope: str,
    token: dict[str, Any],
    requested_details: list[dict[str, Any]] | None = None,
) -> None:
    """Keep the elevated token for `scope`, with the authorization details it was granted
    (RFC 9396 §7: the token response says; otherwise what was asked for)."""
    elevated = request.session.get(ELEVATED_KEY, {})
    details = token.get("authorization_details", requested_details)
    elevated[scope] = {
        "authorization_details": details if isinstance(details, list) else None,
        "access_token": token["access_token"],
        "expires_at": _expires_at(token),
        "scope": token.get("scope", ""),
        "auth_time": token["userinfo"].get("auth_time"),
        "amr": token["userinfo"].get("amr"),
        "acr": token["userinfo"].get("acr"),
    }
    request.session[ELEVATED_KEY] = elevated


def elevated_info(request: HttpRequest, scope: str) -> dict[str, Any] | None:
    """What an unexpired elevated token for `scope` is (scopes, times), without the token."""
    held = request.session.get(ELEVATED_KEY, {}).get(scope)
    if not held or held["expires_at"] <= time.time() + 5:
        return None
    return {name: value for name, value in held.items() if name != "access_token"}


@sensitive_variables("elevated", "held")
def elevated_token_take(request: HttpRequest, scope: str) -> str | None:
    """Remove the elevated token for `scope` from the session and return it: it is used
    once, then gone whatever the API answers."""
    elevated = request.session.get(ELEVATED_KEY, {})
    held = elevated.pop(scope, None)
    if elevated:
        request.session[ELEVATED_KEY] = elevated
    else:
        request.session.pop(ELEVATED_KEY, None)
    # Saved now, not with the response: Django skips saving the session when the response
    # is a 5xx, which would leave a spent (or half-spent) token behind.
    request.session.save()
    if not held or held["expires_at"] <= time.time():
        return None
    return held["access_token"]
