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

    # RFC 7662 introspection for `@introspected` views (every view that takes a token, in
    # this project): the API's own credentials at the issuer (not the web app's). Without a
    # client id, nothing is introspected.

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

    @property
    def PROFILE(self) -> str:
        """ "bearer": today's tokens, Bearer or DPoP; "fapi2": FAPI 2.0, DPoP-bound tokens only
        and no RS256. In every profile a token carrying `cnf` needs its DPoP proof."""
        return getattr(settings, "API_PROFILE", "bearer")

    @property
    def ALGORITHMS(self) -> list[str] | None:
        """Accepted signing algorithms, for access tokens and DPoP proofs alike; None: the
        profile's (PROFILE_ALGORITHMS below)."""
        return getattr(settings, "API_ALGORITHMS", None)

    @property
    def DPOP_NONCE(self) -> bool | None:
        """RFC 9449 §8 server nonces: a proof must carry a recent `nonce` the API handed out.
        None: the profile's (off for bearer, on for fapi2)."""
        return getattr(settings, "API_DPOP_NONCE", None)

    @property
    def EXTERNAL_URL(self) -> str | None:
        """This API's external base URL as its clients call it (scheme, host, port, and any
        path prefix a proxy strips), e.g. https://bank.example. A DPoP proof's `htu` must be
        this plus the request's path; never the Host header, which the sender writes."""
        return getattr(settings, "API_EXTERNAL_URL", None)

    @property
    def DPOP_PROOF_MAX_AGE(self) -> int:
        """How long a DPoP proof stays acceptable after its `iat` (and how long its jti is
        kept), in seconds; API_TOKEN_LEEWAY is added for clock skew."""
        return getattr(settings, "API_DPOP_PROOF_MAX_AGE", 60)


app_settings = AppSettings()


def setting_names() -> list[str]:
    """Every setting a host may set for this app (docs/copying.md lists them all)."""
    return [
        f"API_{name}" for name, value in vars(AppSettings).items() if isinstance(value, property)
    ]


# The most clock skew any leeway setting may tolerate, in seconds.
MAX_LEEWAY = 60
PROFILES = ("bearer", "fapi2")
# Algorithms this guard can verify: python-jose for RS256 and ES256, joserfc for the rest.
SUPPORTED_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
# FAPI 2.0 Security Profile §5.4: PS256, ES256 or EdDSA only; RS256 (PKCS#1 v1.5) is out.
PROFILE_ALGORITHMS = {
    "bearer": ("RS256", "PS256", "ES256"),
    "fapi2": ("PS256", "ES256", "EdDSA"),
}


def algorithms() -> tuple[str, ...]:
    """The accepted signing algorithms: API_ALGORITHMS, else the profile's."""
    if configured := app_settings.ALGORITHMS:
        return tuple(configured)
    return PROFILE_ALGORITHMS.get(app_settings.PROFILE, PROFILE_ALGORITHMS["fapi2"])


def dpop_nonce_required() -> bool:
    configured = app_settings.DPOP_NONCE
    # An unknown profile (api_auth.E010 at start-up) gets the strict choice.
    return app_settings.PROFILE != "bearer" if configured is None else bool(configured)


def bearer_accepted() -> bool:
    """FAPI 2.0 takes sender-constrained tokens only: no Bearer scheme at all."""
    return app_settings.PROFILE == "bearer"
