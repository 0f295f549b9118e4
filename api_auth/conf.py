"""Every setting the API guard reads, one typed property each with its default, in one place
(in the style of django-allauth's `app_settings.py`): `app_settings.ISSUER` reads API_ISSUER.

Read at call time (not import time), so `override_settings` in tests and a reconfigured
process both see the current value.
"""

from __future__ import annotations

from django.conf import settings

MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# OpenID PAPE's phishing-resistant policy: a factor bound to the site's origin (a passkey).
PHISHING_RESISTANT_ACR = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"


class AppSettings:
    """The API_* settings; the names a host sets are the property names with `API_` before."""

    @property
    def ISSUER(self) -> str | None:
        """The issuer whose tokens are accepted (`iss`); its discovery document names the JWKS."""
        return getattr(settings, "API_ISSUER", None)

    @property
    def AUDIENCE(self) -> str | None:
        """This API's identifier: the `aud` every token must carry."""
        return getattr(settings, "API_AUDIENCE", None)

    @property
    def JWKS_URL(self) -> str | None:
        """Where the signing keys are; None: the `jwks_uri` of the issuer's discovery document."""
        return getattr(settings, "API_JWKS_URL", None)

    @property
    def ACCEPT_JWT_TYP(self) -> bool:
        """Accept `typ: JWT` (Auth0's default profile) besides RFC 9068's `at+jwt`."""
        return getattr(settings, "API_ACCEPT_JWT_TYP", False)

    @property
    def TOKEN_LEEWAY(self) -> int:
        """Clock skew tolerated on exp, nbf, iat and auth_time, in seconds (capped at
        tokens.MAX_LEEWAY)."""
        return getattr(settings, "API_TOKEN_LEEWAY", 30)

    @property
    def REQUIRE_AUTH_CONTEXT(self) -> bool:
        """A recent-MFA view refuses (RFC 9470 challenge) a token that carries no acr/amr/
        auth_time at all. Fail closed: turn it off only for a provider that cannot send them
        (`manage.py check` then warns)."""
        return getattr(settings, "API_REQUIRE_AUTH_CONTEXT", True)

    @property
    def CLAIM_NAMESPACE(self) -> str:
        """Namespace of custom claims (an Auth0 Action's `https://example.com/amr`, ...)."""
        return getattr(settings, "API_CLAIM_NAMESPACE", "")

    @property
    def MFA_ACR(self) -> str:
        """The acr value that means "a second factor was used" (OpenID PAPE multi-factor)."""
        return getattr(settings, "API_MFA_ACR", MFA_ACR)

    @property
    def STRONGER_ACRS(self) -> dict[str, list[str]]:
        """acr values that also satisfy a required one, beyond itself: a phishing-resistant
        factor is a second factor too. {required acr: [stronger acr, ...]}"""
        return getattr(settings, "API_STRONGER_ACRS", {MFA_ACR: [PHISHING_RESISTANT_ACR]})

    @property
    def STEP_UP_MAX_AGE(self) -> int:
        """How old the second factor may be for `recent_mfa_required`, in seconds."""
        return getattr(settings, "API_STEP_UP_MAX_AGE", 300)

    @property
    def ALLOWED_CLIENTS(self) -> dict[str, list[str]]:
        """Scopes only some clients may use: {"transfer:funds": ["web-client-id"]}. A token for
        such a scope must name one of them in `client_id` (RFC 9068) or `azp`."""
        return getattr(settings, "API_ALLOWED_CLIENTS", {})

    # RFC 7662 introspection for `@introspected` views: the API's own credentials at the
    # issuer (not the web app's). Without a client id, nothing is introspected.

    @property
    def INTROSPECTION_CLIENT_ID(self) -> str | None:
        return getattr(settings, "API_INTROSPECTION_CLIENT_ID", None)

    @property
    def INTROSPECTION_CLIENT_SECRET(self) -> str | None:
        return getattr(settings, "API_INTROSPECTION_CLIENT_SECRET", None)

    @property
    def INTROSPECTION_URL(self) -> str | None:
        """The endpoint; None: the discovery document's `introspection_endpoint`."""
        return getattr(settings, "API_INTROSPECTION_URL", None)

    @property
    def REALM(self) -> str:
        """The realm named in WWW-Authenticate challenges."""
        return getattr(settings, "API_REALM", "api")


app_settings = AppSettings()


def setting_names() -> list[str]:
    """Every setting a host may set for this app (docs/copying.md lists them all)."""
    return [
        f"API_{name}" for name, value in vars(AppSettings).items() if isinstance(value, property)
    ]
