"""devidp's configuration, read in this one module: DEVIDP_* settings, each with a default.

The IdP reads no other host setting (Django's own aside), so a project can delete or copy
the app without anything else depending on how it is configured. Values are read on every
call, never cached, so a changed setting (or a test's override) applies at once.
"""

from __future__ import annotations

from django.conf import settings

# OpenID PAPE's multi-factor policy, the acr value Auth0 uses: a client names it in
# `acr_values` to ask for a second factor, and tokens carry it once one was verified.
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# OpenID PAPE's phishing-resistant policy: a client names it to demand a passkey, and tokens
# carry it once one was verified. It also satisfies the MFA policy (a passkey is a factor).
PHISHING_RESISTANT_ACR = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"

DEMO_CLIENT_SECRET = "demo-only-fabrikam-web-secret"  # noqa: S105 - published demo value
DEMO_INTROSPECTION_SECRET = "demo-only-fabrikam-api-introspection-secret"  # noqa: S105
DEMO_ASSISTANT_SECRET = "demo-only-fabrikam-assistant-secret"  # noqa: S105 - published demo value


def issuer() -> str:
    """The issuer identifier; every endpoint URL is derived from it. Required (checks.py)."""
    return getattr(settings, "DEVIDP_ISSUER", "").rstrip("/")


def audience() -> str:
    """The one API identifier this IdP issues access tokens for (their `aud`)."""
    return getattr(settings, "DEVIDP_AUDIENCE", "https://api.fabrikam.example")


def client_id() -> str:
    """The web app's client, registered by `manage.py devidp_seed`."""
    return getattr(settings, "DEVIDP_CLIENT_ID", "fabrikam-web")


def client_secret() -> str:
    return getattr(settings, "DEVIDP_CLIENT_SECRET", DEMO_CLIENT_SECRET)


def redirect_uris() -> list[str]:
    return list(getattr(settings, "DEVIDP_REDIRECT_URIS", ["http://localhost:8000/callback"]))


def post_logout_redirect_uris() -> list[str]:
    return list(getattr(settings, "DEVIDP_POST_LOGOUT_REDIRECT_URIS", ["http://localhost:8000/"]))


def reauth_after() -> int:
    """Seconds a session stays recent: within them a step-up asks for the second factor only,
    as an Auth0 Action's MFA challenge does; after them, for the password first."""
    return getattr(settings, "DEVIDP_REAUTH_AFTER", 15 * 60)


def signups_per_hour() -> int:
    """Sign-up attempts allowed per client IP per hour (each one counts, success or not)."""
    return getattr(settings, "DEVIDP_SIGNUPS_PER_HOUR", 5)


def introspection_client_id() -> str:
    """The protected resource (the API) allowed to call the introspection endpoint."""
    return getattr(settings, "DEVIDP_INTROSPECTION_CLIENT_ID", "fabrikam-api")


def introspection_client_secret() -> str:
    """Its secret; empty turns introspection off (every call gets 401)."""
    return getattr(settings, "DEVIDP_INTROSPECTION_CLIENT_SECRET", DEMO_INTROSPECTION_SECRET)


def require_par() -> bool:
    """Whether the web app's client must push its authorization requests (RFC 9126).

    `devidp_seed` stores it on the client, as it does the client's URLs.
    """
    return getattr(settings, "DEVIDP_REQUIRE_PAR", False)


def approval_token_lifetime() -> int:
    """Seconds an access token that approves one payment (RFC 9396) stays valid."""
    return getattr(settings, "DEVIDP_APPROVAL_TOKEN_LIFETIME", 120)


def ciba_interval() -> int:
    """Seconds a CIBA client waits between polls of the token endpoint (CIBA Core 7.3)."""
    return getattr(settings, "DEVIDP_CIBA_INTERVAL", 5)


def assistant_client_id() -> str:
    """The assistant's client (CIBA only), registered by `manage.py devidp_seed`."""
    return getattr(settings, "DEVIDP_ASSISTANT_CLIENT_ID", "fabrikam-assistant")


def assistant_client_secret() -> str:
    return getattr(settings, "DEVIDP_ASSISTANT_CLIENT_SECRET", DEMO_ASSISTANT_SECRET)


def phone_wait() -> int:
    """Seconds the phone app asks the IdP to hold each poll open when nothing is waiting
    (a long poll, in place of a push service; the IdP caps it at 25). 0: plain polling."""
    return getattr(settings, "DEVIDP_PHONE_WAIT", 20)
