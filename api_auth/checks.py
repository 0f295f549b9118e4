"""Start-up checks: `manage.py check` names a missing or contradictory setting instead of
an error at the first request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning, register

from .conf import MAX_LEEWAY, PROFILES, SUPPORTED_ALGORITHMS, app_settings


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
    problems.extend(_profile_problems())
    return problems


def _profile_problems() -> list:
    """API_PROFILE, API_ALGORITHMS, API_EXTERNAL_URL and the DPoP settings agree."""
    problems = []
    name = app_settings.PROFILE
    if name not in PROFILES:
        problems.append(
            Error(
                f"API_PROFILE {name!r} is not a profile; it takes the strictest rules until fixed.",
                hint='Set API_PROFILE to "bearer" (the default) or "fapi2".',
                id="api_auth.E010",
            )
        )
    configured = app_settings.ALGORITHMS
    if configured is not None:
        if not isinstance(configured, list | tuple) or not configured:
            problems.append(
                Error("API_ALGORITHMS must be a non-empty list of names.", id="api_auth.E011")
            )
        elif unknown := [alg for alg in configured if alg not in SUPPORTED_ALGORITHMS]:
            problems.append(
                Error(
                    f"API_ALGORITHMS names algorithms this guard cannot verify: {unknown}.",
                    hint=f"Choose from {', '.join(SUPPORTED_ALGORITHMS)} (never none or HS*).",
                    id="api_auth.E011",
                )
            )
        elif name == "fapi2" and "RS256" in configured:
            problems.append(
                Error(
                    "API_ALGORITHMS includes RS256, which FAPI 2.0 (API_PROFILE=fapi2) forbids.",
                    hint="Use PS256, ES256 or EdDSA, or leave API_ALGORITHMS unset.",
                    id="api_auth.E012",
                )
            )
    external = app_settings.EXTERNAL_URL
    if external:
        parts = urlsplit(str(external))
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
            problems.append(
                Error(
                    f"API_EXTERNAL_URL {external!r} is not an http(s) base URL.",
                    hint="Set it to the API's origin as clients call it, e.g. https://bank.example.",
                    id="api_auth.E014",
                )
            )
    elif name == "fapi2":
        problems.append(
            Error(
                "API_PROFILE is fapi2 but API_EXTERNAL_URL is not set: no DPoP proof's htu "
                "can be checked, so every request would be refused.",
                hint="Set API_EXTERNAL_URL to the API's origin as clients call it.",
                id="api_auth.E013",
            )
        )
    if app_settings.DPOP_NONCE not in (None, True, False):
        problems.append(Error("API_DPOP_NONCE must be true, false or unset.", id="api_auth.E015"))
    max_age = app_settings.DPOP_PROOF_MAX_AGE
    if not isinstance(max_age, int) or isinstance(max_age, bool) or not 1 <= max_age <= 300:
        problems.append(
            Error(
                "API_DPOP_PROOF_MAX_AGE must be a whole number of seconds from 1 to 300.",
                id="api_auth.E016",
            )
        )
    return problems
