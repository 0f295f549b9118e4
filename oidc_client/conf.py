"""Every setting the web client reads, with its default, in one place.

Read at call time (not import time), so `override_settings` in tests and a reconfigured
process both see the current value.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# OpenID PAPE's phishing-resistant policy (a passkey): an API may name it in an RFC 9470
# challenge, and `stepup.start(..., acr_values=...)` forwards it to the provider.
PHISHING_RESISTANT_ACR = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"

DEFAULTS: dict[str, Any] = {
    # The OpenID provider's issuer URL; every endpoint comes from its discovery document.
    "OIDC_ISSUER": None,
    # This site's confidential client at the provider.
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    # What sign-in asks for; add your API's scopes (e.g. "openid profile email read:things").
    "OIDC_SCOPE": "openid profile email",
    # The API the access tokens are for: sent as `audience` (Auth0) and, when the provider
    # supports RFC 8707 or OIDC_SEND_RESOURCE is on, as `resource`. None: not sent.
    "OIDC_AUDIENCE": None,
    "OIDC_SEND_RESOURCE": False,
    # Push every authorization request (RFC 9126), not only those with authorization details
    # or for a provider that requires it.
    "OIDC_USE_PAR": False,
    # RFC 9396 types the provider accepts, when its discovery document does not list them
    # (`authorization_details_types_supported`); None: trust discovery.
    "OIDC_AUTHORIZATION_DETAILS_TYPES": None,
    # A fixed redirect URI; None: this site's `callback` URL, built from the request.
    "OIDC_REDIRECT_URI": None,
    # Seconds to wait for the provider (discovery, token endpoint).
    "OIDC_TIMEOUT": 5.0,
    # The acr value asked for (and accepted) as "a second factor was used".
    "OIDC_MFA_ACR": MFA_ACR,
    # How old a step-up's second factor may be, in seconds: for an API step-up (checked
    # when the provider answers) and for a web-only step-up (checked on every view).
    "OIDC_STEP_UP_MAX_AGE": 300,
    "OIDC_WEB_STEP_UP_MAX_AGE": 600,
    # Clock skew tolerated on the ID token's times and auth_time, in seconds.
    "OIDC_LEEWAY": 60,
    # Without an end_session_endpoint, sign out through Auth0's /v2/logout: True, False, or
    # None to decide by the issuer's host (*.auth0.com).
    "OIDC_AUTH0_LOGOUT": None,
    # The template this app's pages extend; it must have a `content` block.
    "OIDC_BASE_TEMPLATE": "oidc_client/base.html",
    # "oidc" (bearer tokens, any client authentication) or "fapi2" (FAPI 2.0 Security
    # Profile: every request pushed, private_key_jwt, DPoP, PS256/ES256/EdDSA ID tokens, a
    # configured OIDC_REDIRECT_URI). See profile.py.
    "OIDC_PROFILE": "oidc",
    # How the client authenticates at the token and PAR endpoints: "client_secret_basic",
    # "client_secret_post" or "private_key_jwt" (RFC 7523, with OIDC_CLIENT_KEY).
    # None: "private_key_jwt" in fapi2, else "client_secret_basic".
    "OIDC_CLIENT_AUTH_METHOD": None,
    # The client's private key for private_key_jwt, as PEM or a JWK (JSON), or a file
    # holding either. Its `kid`, else its RFC 7638 thumbprint, names it in /oidc/jwks.json.
    "OIDC_CLIENT_KEY": None,
    "OIDC_CLIENT_KEY_FILE": None,
    # Sender-constrained tokens (RFC 9449 DPoP): True, False, or None for the profile's
    # choice (on in fapi2).
    "OIDC_DPOP": None,
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def middleware() -> list[str]:
    """The host's MIDDLEWARE, for the start-up check of what sign-in needs."""
    return list(settings.MIDDLEWARE)


def session_engine() -> str:
    """The host's SESSION_ENGINE: DPoP keys must stay on the server."""
    return str(settings.SESSION_ENGINE)
