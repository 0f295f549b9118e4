"""Start-up checks: `manage.py check` names a missing or contradictory setting instead of
an error at the first sign-in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.checks import CheckMessage, Error, Warning, register

from . import keys, profile
from .conf import app_settings

NEEDED_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


@register()
def oidc_client_settings_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    issuer = app_settings.ISSUER
    if not issuer:
        # A site may start without sign-in configured (it says so on /login); warn, not fail.
        problems.append(
            Warning(
                "OIDC_ISSUER is not set: sign-in is not configured.",
                hint="Set OIDC_ISSUER to your OpenID provider's issuer URL "
                "(for Auth0: https://YOUR_TENANT.auth0.com/).",
                id="oidc_client.W001",
            )
        )
    elif urlsplit(issuer).scheme not in ("https", "http"):
        problems.append(
            Error(f"OIDC_ISSUER {issuer!r} is not an http(s) URL.", id="oidc_client.E001")
        )
    if issuer and not app_settings.CLIENT_ID:
        problems.append(
            Error(
                "OIDC_ISSUER is set but OIDC_CLIENT_ID is not.",
                hint="Register this site as a client at the provider and set OIDC_CLIENT_ID "
                "and OIDC_CLIENT_SECRET.",
                id="oidc_client.E002",
            )
        )
    method = profile.auth_method()
    secret_method = method in profile.SECRET_METHODS
    if issuer and app_settings.CLIENT_ID and secret_method and not app_settings.CLIENT_SECRET:
        problems.append(
            Warning(
                "OIDC_CLIENT_SECRET is not set: a confidential client's code exchange will be "
                "refused by the provider.",
                id="oidc_client.W002",
            )
        )
    missing = [name for name in NEEDED_MIDDLEWARE if name not in app_settings.MIDDLEWARE]
    if missing:
        problems.append(
            Error(
                "Sign-in needs these middleware: " + ", ".join(missing) + ".",
                hint="Add them to MIDDLEWARE (the session keeps the pending sign-in and the "
                "tokens; messages tell the user what happened).",
                id="oidc_client.E005",
            )
        )
    if "openid" not in str(app_settings.SCOPE).split():
        problems.append(Error("OIDC_SCOPE must include `openid`.", id="oidc_client.E003"))
    for name, value in (
        ("OIDC_STEP_UP_MAX_AGE", app_settings.STEP_UP_MAX_AGE),
        ("OIDC_WEB_STEP_UP_MAX_AGE", app_settings.WEB_STEP_UP_MAX_AGE),
    ):
        if not isinstance(value, int) or value <= 0:
            problems.append(
                Error(f"{name} must be a positive number of seconds.", id="oidc_client.E004")
            )
    problems += _profile_problems(method)
    return problems


def _profile_problems(method: str) -> list:
    """OIDC_PROFILE, OIDC_CLIENT_AUTH_METHOD, the client key and DPoP, which must agree.

    Whether the provider offers the method is known only from its discovery document, and a
    check makes no network call: `provider.metadata()` refuses it at the first discovery."""
    problems = []
    if app_settings.PROFILE not in profile.PROFILES:
        problems.append(
            Error(
                f"OIDC_PROFILE must be one of {', '.join(profile.PROFILES)}.",
                id="oidc_client.E006",
            )
        )
    if method not in profile.AUTH_METHODS:
        problems.append(
            Error(
                f"OIDC_CLIENT_AUTH_METHOD must be one of {', '.join(profile.AUTH_METHODS)}.",
                id="oidc_client.E007",
            )
        )
    if method == "private_key_jwt" or keys.configured():
        try:
            keys.client_key()
        except keys.UnusableKey as exc:
            problems.append(
                Error(
                    str(exc),
                    hint="Give a private EC P-256 or RSA (2048+) key as PEM or JWK; publish "
                    "its public half with /oidc/jwks.json.",
                    id="oidc_client.E008",
                )
            )
    if profile.is_fapi2():
        if not app_settings.REDIRECT_URI:
            problems.append(
                Error(
                    "OIDC_PROFILE fapi2 needs OIDC_REDIRECT_URI: a redirect URI is never "
                    "built from the request's Host header.",
                    id="oidc_client.E009",
                )
            )
        if method in profile.SECRET_METHODS:
            problems.append(
                Error(
                    f"OIDC_PROFILE fapi2 does not allow {method}: FAPI 2.0 authenticates "
                    "clients with a key (private_key_jwt).",
                    id="oidc_client.E010",
                )
            )
        if not profile.dpop():
            problems.append(
                Error(
                    "OIDC_PROFILE fapi2 needs sender-constrained tokens: OIDC_DPOP is off.",
                    id="oidc_client.E011",
                )
            )
    if (
        profile.dpop()
        and app_settings.SESSION_ENGINE == "django.contrib.sessions.backends.signed_cookies"
    ):
        problems.append(
            Error(
                "DPoP keeps each session's private key in the session, and the signed-cookie "
                "session engine would send it to the browser.",
                hint="Use a server-side SESSION_ENGINE (db, cache or cached_db).",
                id="oidc_client.E012",
            )
        )
    return problems
