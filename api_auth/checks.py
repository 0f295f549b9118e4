"""Start-up checks: `manage.py check` names a missing or contradictory setting instead of
an error at the first request."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.checks import Error, Warning, register

from .conf import setting


@register()
def api_auth_settings_check(app_configs, **kwargs) -> list:
    problems = []
    issuer, audience = setting("API_ISSUER"), setting("API_AUDIENCE")
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
    leeway = setting("API_TOKEN_LEEWAY")
    if not isinstance(leeway, int) or not 0 <= leeway <= 60:
        problems.append(
            Error(
                "API_TOKEN_LEEWAY must be a whole number of seconds from 0 to 60.",
                id="api_auth.E004",
            )
        )
    max_age = setting("API_STEP_UP_MAX_AGE")
    if not isinstance(max_age, int) or max_age <= 0:
        problems.append(
            Error("API_STEP_UP_MAX_AGE must be a positive number of seconds.", id="api_auth.E005")
        )
    if setting("API_CLAIM_NAMESPACE") and not str(setting("API_CLAIM_NAMESPACE")).endswith("/"):
        problems.append(
            Warning(
                "API_CLAIM_NAMESPACE usually ends with '/', e.g. https://example.com/.",
                id="api_auth.W001",
            )
        )
    return problems
