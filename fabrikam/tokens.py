"""The signed-in session's tokens: kept server-side in the session, never in a page or URL."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from .errors import SignInRequired

TOKENS_KEY = "oidc_tokens"
EXPIRY_MARGIN = 30  # seconds: refresh a little early rather than send a token the API refuses
ID_CLAIMS_KEPT = ("sub", "name", "email", "amr", "acr", "auth_time", "iat", "exp", "sid")


def store_sign_in(request: HttpRequest, token: dict[str, Any]) -> None:
    claims = token["userinfo"]
    request.session[TOKENS_KEY] = {
        "access_token": token["access_token"],
        "expires_at": int(token.get("expires_at") or time.time() + int(token.get("expires_in", 0))),
        "scope": token.get("scope", ""),
        "id_token": token.get("id_token"),
        "claims": {key: claims[key] for key in ID_CLAIMS_KEPT if key in claims},
        "obtained_at": int(time.time()),
    }


def sign_in_tokens(request: HttpRequest) -> dict[str, Any]:
    return request.session.get(TOKENS_KEY) or {}


def sign_in_access_token(request: HttpRequest) -> str:
    """The `read:accounts` access token, or `SignInRequired` when it is missing or expired."""
    tokens = sign_in_tokens(request)
    if not tokens.get("access_token"):
        raise SignInRequired("Please sign in.")
    if tokens["expires_at"] - EXPIRY_MARGIN <= time.time():
        raise SignInRequired("Your session has expired; signing you in again.", code="expired")
    return tokens["access_token"]


def id_claims(request: HttpRequest) -> dict[str, Any]:
    return sign_in_tokens(request).get("claims", {})
