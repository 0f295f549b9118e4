"""The tokens a signed-in session holds: kept server-side in the session, never in a page,
a URL or a log.

- the sign-in tokens (access token for the sign-in scopes, ID token and its claims);
- elevated access tokens from API step-ups, one per scope, each used once;
- with DPoP, the key pair they are bound to (`dpop.py`).

`api_auth(request)` is how the host sends them: Bearer, or DPoP with a fresh proof, as the
provider's `token_type` said.
"""

from __future__ import annotations

import time
from typing import Any

import requests
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from . import dpop
from .errors import SignInRequired

TOKENS_KEY = "oidc_tokens"
ELEVATED_KEY = "oidc_elevated"  # {scope: {...}}: apart from the sign-in tokens
EXPIRY_MARGIN = 30  # seconds: refresh a little early rather than send a token the API refuses
ID_CLAIMS_KEPT = ("sub", "name", "email", "amr", "acr", "auth_time", "iat", "exp", "sid")


def _token_type(token: dict[str, Any]) -> str:
    # RFC 9449 §5 and RFC 6749 §7.1: compared without regard to case.
    return "DPoP" if str(token.get("token_type", "")).lower() == "dpop" else "Bearer"


def _expires_at(token: dict[str, Any]) -> int:
    return int(token.get("expires_at") or time.time() + int(token.get("expires_in", 0)))


@sensitive_variables("token", "dpop_key")
def sign_in_store(
    request: HttpRequest, token: dict[str, Any], dpop_key: dict[str, Any] | None = None
) -> None:
    """Keep a sign-in's tokens and, with DPoP, the new key they are bound to (the previous
    sign-in's key goes with its tokens)."""
    claims = token["userinfo"]
    if dpop_key:
        request.session[dpop.KEY_SESSION_KEY] = dpop_key
    else:
        request.session.pop(dpop.KEY_SESSION_KEY, None)
    request.session[TOKENS_KEY] = {
        "access_token": token["access_token"],
        "token_type": _token_type(token),
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
        "token_type": _token_type(token),
        "expires_at": _expires_at(token),
        "scope": token.get("scope", ""),
        "auth_time": token["userinfo"].get("auth_time"),
        "amr": token["userinfo"].get("amr"),
        "acr": token["userinfo"].get("acr"),
        # The approving device's name, when the provider says (the embedded IdP's private
        # `device_name` claim after a phone approval): a label to show, never relied on.
        "device_name": token["userinfo"].get("device_name"),
    }
    request.session[ELEVATED_KEY] = elevated


def elevated_info(request: HttpRequest, scope: str) -> dict[str, Any] | None:
    """What an unexpired elevated token for `scope` is (scopes, times, the `cnf_jkt` of the
    key it is bound to, if any), without the token."""
    held = request.session.get(ELEVATED_KEY, {}).get(scope)
    if not held or held["expires_at"] <= time.time() + 5:
        return None
    facts = {name: value for name, value in held.items() if name != "access_token"}
    return {**facts, "cnf_jkt": dpop.bound_jkt(held["access_token"])}


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


@sensitive_variables("token", "access_token")
def api_auth(request: HttpRequest, token: str | None = None) -> requests.auth.AuthBase:
    """How to send the sign-in access token (or `token`, an elevated one from this session)
    to an API: `requests.get(url, auth=api_auth(request))`.

    DPoP-bound tokens (RFC 9449 §7.1) go as `Authorization: DPoP` with a fresh proof signed
    by the session's key, retried once when the API asks for its nonce; others as Bearer.
    Every token of a session is bound alike: the callback refuses a bearer token when DPoP
    is on.
    """
    access_token = token or sign_in_access_token(request)
    key = dpop.session_key(request)
    if key is not None and sign_in_tokens(request).get("token_type") == "DPoP":
        return dpop.DPoPAuth(key, access_token)
    return dpop.BearerAuth(access_token)
