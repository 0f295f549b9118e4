"""Start-up checks: `manage.py check` names a missing or contradictory setting instead of
an error at the first request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning, register

from .conf import app_settings
from .tokens import MAX_LEEWAY


@register()
def api_auth_settings_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    issuer, audience = app_settings.ISSUER, app_settings.AUDIENCE
    # Missing: a warning, so a site can start before its provider is chosen; until then
    # every protected view answers 503 "not configured".
    if not issuer:
        problems.append(
            Warning(
                "API_ISSUER is not set: the API cannot tell whose tokens to accept, so every "
                "protected request is refused.",
                hint="Set API_ISSUER to your OpenID provider's issuer URL "
                "(for Auth0: https://YOUR_TENANT.auth0.com/).",
                id="api_auth.W002",
            )
        )
    elif urlsplit(issuer).scheme not in ("https", "http"):
        problems.append(Error(f"API_ISSUER {issuer!r} is not an http(s) URL.", id="api_auth.E002"))
    if not audience:
        problems.append(
            Warning(
                "API_AUDIENCE is not set: every token's `aud` must name this API, so every "
                "protected request is refused.",
                hint="Set API_AUDIENCE to the API identifier, e.g. https://api.example.com.",
                id="api_auth.W003",
            )
        )
    leeway = app_settings.TOKEN_LEEWAY
    if not isinstance(leeway, int) or not 0 <= leeway <= MAX_LEEWAY:
        problems.append(
            Error(
                f"API_TOKEN_LEEWAY must be a whole number of seconds from 0 to {MAX_LEEWAY}.",
                id="api_auth.E004",
            )
        )
    max_age = app_settings.STEP_UP_MAX_AGE
    if not isinstance(max_age, int) or max_age <= 0:
        problems.append(
            Error("API_STEP_UP_MAX_AGE must be a positive number of seconds.", id="api_auth.E005")
        )
    if not app_settings.REQUIRE_AUTH_CONTEXT:
        problems.append(
            Warning(
                "API_REQUIRE_AUTH_CONTEXT is off: recent_mfa_required views accept a token "
                "that says nothing about how the user authenticated.",
                hint="Leave it on unless your provider cannot put acr/amr/auth_time in access "
                "tokens (for Auth0, add them with the Action in docs/auth0.md).",
                id="api_auth.W004",
            )
        )
    elif (
        issuer
        and (urlsplit(issuer).hostname or "").endswith(".auth0.com")
        and not app_settings.CLAIM_NAMESPACE
    ):
        problems.append(
            Error(
                "API_REQUIRE_AUTH_CONTEXT is on for an Auth0 issuer, but API_CLAIM_NAMESPACE "
                "is empty: Auth0 only adds amr/acr/auth_time to access tokens as namespaced "
                "custom claims, so every step-up token would be challenged.",
                hint="Set API_CLAIM_NAMESPACE to the namespace your Action uses, e.g. "
                "https://fabrikam.example/ (docs/auth0.md).",
                id="api_auth.E006",
            )
        )
    if app_settings.INTROSPECTION_CLIENT_ID and not app_settings.INTROSPECTION_CLIENT_SECRET:
        problems.append(
            Error(
                "API_INTROSPECTION_CLIENT_ID is set without API_INTROSPECTION_CLIENT_SECRET.",
                id="api_auth.E008",
            )
        )
    allowed = app_settings.ALLOWED_CLIENTS
    if not isinstance(allowed, dict) or not all(
        isinstance(clients, list | tuple) for clients in allowed.values()
    ):
        problems.append(
            Error(
                "API_ALLOWED_CLIENTS must map a scope to a list of client ids.",
                id="api_auth.E007",
            )
        )
    if app_settings.CLAIM_NAMESPACE and not str(app_settings.CLAIM_NAMESPACE).endswith("/"):
        problems.append(
            Warning(
                "API_CLAIM_NAMESPACE usually ends with '/', e.g. https://example.com/.",
                id="api_auth.W001",
            )
        )
    return problems
