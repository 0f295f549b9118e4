"""Every setting the web client reads, one typed property each with its default, in one
place (in the style of django-allauth's `app_settings.py`): `app_settings.ISSUER` reads
OIDC_ISSUER.

Read at call time (not import time), so `override_settings` in tests and a reconfigured
process both see the current value.
"""

from __future__ import annotations

from django.conf import settings

MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# OpenID PAPE's phishing-resistant policy (a passkey): an API may name it in an RFC 9470
# challenge, and `stepup.start(..., acr_values=...)` forwards it to the provider.
PHISHING_RESISTANT_ACR = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"


class AppSettings:
    """The OIDC_* settings; the names a host sets are the property names with `OIDC_` before."""

    @property
    def ISSUER(self) -> str | None:
        """The OpenID provider's issuer URL; every endpoint comes from its discovery document."""
        return getattr(settings, "OIDC_ISSUER", None)

    @property
    def CLIENT_ID(self) -> str | None:
        """This site's confidential client at the provider."""
        return getattr(settings, "OIDC_CLIENT_ID", None)

    @property
    def CLIENT_SECRET(self) -> str | None:
        return getattr(settings, "OIDC_CLIENT_SECRET", None)

    @property
    def SCOPE(self) -> str:
        """What sign-in asks for; add your API's scopes ("openid profile email read:things")."""
        return getattr(settings, "OIDC_SCOPE", "openid profile email")

    @property
    def AUDIENCE(self) -> str | None:
        """The API the access tokens are for: sent as `audience` (Auth0) and, when the provider
        supports RFC 8707 or OIDC_SEND_RESOURCE is on, as `resource`. None: not sent."""
        return getattr(settings, "OIDC_AUDIENCE", None)

    @property
    def SEND_RESOURCE(self) -> bool:
        return getattr(settings, "OIDC_SEND_RESOURCE", False)

    @property
    def USE_PAR(self) -> bool:
        """Push every authorization request (RFC 9126), not only those with authorization
        details or for a provider that requires it."""
        return getattr(settings, "OIDC_USE_PAR", False)

    @property
    def AUTHORIZATION_DETAILS_TYPES(self) -> list[str] | None:
        """RFC 9396 types the provider accepts, when its discovery document does not list them
        (`authorization_details_types_supported`); None: trust discovery."""
        return getattr(settings, "OIDC_AUTHORIZATION_DETAILS_TYPES", None)

    @property
    def REDIRECT_URI(self) -> str | None:
        """A fixed redirect URI; None: this site's `callback` URL, built from the request."""
        return getattr(settings, "OIDC_REDIRECT_URI", None)

    @property
    def TIMEOUT(self) -> float:
        """Seconds to wait for the provider (discovery, token endpoint)."""
        return getattr(settings, "OIDC_TIMEOUT", 5.0)

    @property
    def MFA_ACR(self) -> str:
        """The acr value asked for (and accepted) as "a second factor was used"."""
        return getattr(settings, "OIDC_MFA_ACR", MFA_ACR)

    @property
    def STEP_UP_MAX_AGE(self) -> int:
        """How old an API step-up's second factor may be, in seconds (checked when the
        provider answers)."""
        return getattr(settings, "OIDC_STEP_UP_MAX_AGE", 300)

    @property
    def WEB_STEP_UP_MAX_AGE(self) -> int:
        """How old a web-only step-up's second factor may be, in seconds (checked on every
        view)."""
        return getattr(settings, "OIDC_WEB_STEP_UP_MAX_AGE", 600)

    @property
    def LEEWAY(self) -> int:
        """Clock skew tolerated on the ID token's times and auth_time, in seconds."""
        return getattr(settings, "OIDC_LEEWAY", 60)

    @property
    def AUTH0_LOGOUT(self) -> bool | None:
        """Without an end_session_endpoint, sign out through Auth0's /v2/logout: True, False,
        or None to decide by the issuer's host (*.auth0.com)."""
        return getattr(settings, "OIDC_AUTH0_LOGOUT", None)

    @property
    def BASE_TEMPLATE(self) -> str:
        """The template this app's pages extend; it must have a `content` block."""
        return getattr(settings, "OIDC_BASE_TEMPLATE", "oidc_client/base.html")

    @property
    def PROFILE(self) -> str:
        """ "oidc" (bearer tokens, any client authentication) or "fapi2" (FAPI 2.0 Security
        Profile: every request pushed, private_key_jwt, DPoP, PS256/ES256/EdDSA ID tokens, a
        configured OIDC_REDIRECT_URI). See profile.py."""
        return getattr(settings, "OIDC_PROFILE", "oidc")

    @property
    def CLIENT_AUTH_METHOD(self) -> str | None:
        """How the client authenticates at the token and PAR endpoints: "client_secret_basic",
        "client_secret_post" or "private_key_jwt" (RFC 7523, with OIDC_CLIENT_KEY).
        None: "private_key_jwt" in fapi2, else "client_secret_basic"."""
        return getattr(settings, "OIDC_CLIENT_AUTH_METHOD", None)

    @property
    def CLIENT_KEY(self) -> str | None:
        """The client's private key for private_key_jwt, as PEM or a JWK (JSON). Its `kid`,
        else its RFC 7638 thumbprint, names it in /oidc/jwks.json."""
        return getattr(settings, "OIDC_CLIENT_KEY", None)

    @property
    def CLIENT_KEY_FILE(self) -> str | None:
        """A file holding OIDC_CLIENT_KEY (PEM or JWK)."""
        return getattr(settings, "OIDC_CLIENT_KEY_FILE", None)

    @property
    def DPOP(self) -> bool | None:
        """Sender-constrained tokens (RFC 9449 DPoP): True, False, or None for the profile's
        choice (on in fapi2)."""
        return getattr(settings, "OIDC_DPOP", None)

    @property
    def MIDDLEWARE(self) -> list[str]:
        """The host's MIDDLEWARE (Django's own setting), for the start-up check of what sign-in
        needs."""
        return list(settings.MIDDLEWARE)

    @property
    def SESSION_ENGINE(self) -> str:
        """The host's SESSION_ENGINE (Django's own setting): DPoP keys must stay on the server."""
        return str(settings.SESSION_ENGINE)


app_settings = AppSettings()


def setting_names() -> list[str]:
    """Every OIDC_* setting a host may set for this app (docs/copying.md lists them all)."""
    return [
        f"OIDC_{name}"
        for name, value in vars(AppSettings).items()
        if isinstance(value, property) and name not in {"MIDDLEWARE", "SESSION_ENGINE"}
    ]
