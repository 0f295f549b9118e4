"""devidp's configuration, read in this one module: DEVIDP_* settings, one typed property
each with its default (in the style of django-allauth's `app_settings.py`).

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


class AppSettings:
    """The DEVIDP_* settings; the names a host sets are the property names with `DEVIDP_`
    before. Each name is written out, so tests/devidp/test_isolation.py can check them."""

    @property
    def ISSUER(self) -> str:
        """The issuer identifier; every endpoint URL is derived from it. Required (checks.py)."""
        return getattr(settings, "DEVIDP_ISSUER", "").rstrip("/")

    @property
    def AUDIENCE(self) -> str:
        """The one API identifier this IdP issues access tokens for (their `aud`)."""
        return getattr(settings, "DEVIDP_AUDIENCE", "https://api.fabrikam.example")

    @property
    def CLIENT_ID(self) -> str:
        """The web app's client, registered by `manage.py devidp_seed`."""
        return getattr(settings, "DEVIDP_CLIENT_ID", "fabrikam-web")

    @property
    def CLIENT_SECRET(self) -> str:
        return getattr(settings, "DEVIDP_CLIENT_SECRET", DEMO_CLIENT_SECRET)

    @property
    def REDIRECT_URIS(self) -> list[str]:
        return list(getattr(settings, "DEVIDP_REDIRECT_URIS", ["http://localhost:8000/callback"]))

    @property
    def POST_LOGOUT_REDIRECT_URIS(self) -> list[str]:
        return list(
            getattr(settings, "DEVIDP_POST_LOGOUT_REDIRECT_URIS", ["http://localhost:8000/"])
        )

    @property
    def REAUTH_AFTER(self) -> int:
        """Seconds a session stays recent: within them a step-up asks for the second factor
        only, as an Auth0 Action's MFA challenge does; after them, for the password first."""
        return getattr(settings, "DEVIDP_REAUTH_AFTER", 15 * 60)

    @property
    def SIGNUPS_PER_HOUR(self) -> int:
        """Sign-up attempts allowed per client IP per hour (each one counts, success or not)."""
        return getattr(settings, "DEVIDP_SIGNUPS_PER_HOUR", 5)

    @property
    def INTROSPECTION_CLIENT_ID(self) -> str:
        """The protected resource (the API) allowed to call the introspection endpoint."""
        return getattr(settings, "DEVIDP_INTROSPECTION_CLIENT_ID", "fabrikam-api")

    @property
    def INTROSPECTION_CLIENT_SECRET(self) -> str:
        """Its secret; empty turns introspection off (every call gets 401)."""
        return getattr(settings, "DEVIDP_INTROSPECTION_CLIENT_SECRET", DEMO_INTROSPECTION_SECRET)

    @property
    def REQUIRE_PAR(self) -> bool:
        """Whether the web app's client must push its authorization requests (RFC 9126).

        `devidp_seed` stores it on the client, as it does the client's URLs.
        """
        return getattr(settings, "DEVIDP_REQUIRE_PAR", False)

    @property
    def APPROVAL_TOKEN_LIFETIME(self) -> int:
        """Seconds an access token that approves one payment (RFC 9396) stays valid."""
        return getattr(settings, "DEVIDP_APPROVAL_TOKEN_LIFETIME", 120)

    @property
    def SESSION_COOKIE_NAME(self) -> str:
        """The IdP's SSO cookie. Browsers keep cookies apart by host, not by port, so the host
        names it per site (several demos on one machine must not share sessions)."""
        return getattr(settings, "DEVIDP_SESSION_COOKIE_NAME", "devidp_session")

    @property
    def CIBA_INTERVAL(self) -> int:
        """Seconds a CIBA client waits between polls of the token endpoint (CIBA Core 7.3)."""
        return getattr(settings, "DEVIDP_CIBA_INTERVAL", 5)

    @property
    def ASSISTANT_CLIENT_ID(self) -> str:
        """The assistant's client (CIBA only), registered by `manage.py devidp_seed`."""
        return getattr(settings, "DEVIDP_ASSISTANT_CLIENT_ID", "fabrikam-assistant")

    @property
    def ASSISTANT_CLIENT_SECRET(self) -> str:
        return getattr(settings, "DEVIDP_ASSISTANT_CLIENT_SECRET", DEMO_ASSISTANT_SECRET)

    @property
    def ASSISTANT_CLIENT_JWKS(self) -> dict | None:
        """The assistant's public keys (a JWKS as a dict), for private_key_jwt: how it
        authenticates in fapi2, where a secret is refused (`devidp_seed` registers them)."""
        return getattr(settings, "DEVIDP_ASSISTANT_CLIENT_JWKS", None)

    @property
    def PHONE_WAIT(self) -> int:
        """Seconds the phone app asks the IdP to hold each poll open when nothing is waiting
        (a long poll, in place of a push service; the IdP caps it at 25). 0: plain polling."""
        return getattr(settings, "DEVIDP_PHONE_WAIT", 20)

    @property
    def PROFILE(self) -> str:
        """ "oidc" (today's: secrets, bearer tokens, RS256) or "fapi2" (FAPI 2.0 Security
        Profile: PAR for every request, private_key_jwt only, DPoP required with nonces,
        PS256/ES256)."""
        return getattr(settings, "DEVIDP_PROFILE", "oidc")

    @property
    def SIGNING_ALG(self) -> str:
        """The algorithm ID and access tokens are signed with: RS256, or PS256 in fapi2.
        ES256 may be chosen too; in fapi2 RS256 is refused at start-up (checks.py)."""
        return getattr(settings, "DEVIDP_SIGNING_ALG", "PS256" if is_fapi2() else "RS256")

    @property
    def CLIENT_AUTH_METHOD(self) -> str:
        """How the web app's client authenticates, stored by `devidp_seed`: private_key_jwt in
        fapi2 (the only method it allows), else client_secret_basic (which also admits _post)."""
        default = "private_key_jwt" if is_fapi2() else "client_secret_basic"
        return getattr(settings, "DEVIDP_CLIENT_AUTH_METHOD", default)

    @property
    def CLIENT_JWKS_URI(self) -> str:
        """Where the web app's client publishes its public keys (its `/oidc/jwks.json`)."""
        return getattr(settings, "DEVIDP_CLIENT_JWKS_URI", "http://localhost:8000/oidc/jwks.json")

    @property
    def CLIENT_JWKS(self) -> dict | None:
        """Or the client's public keys themselves (a JWKS as a dict); wins over the URI."""
        return getattr(settings, "DEVIDP_CLIENT_JWKS", None)

    @property
    def DPOP_NONCE(self) -> bool:
        """Whether the token endpoint demands server nonces in DPoP proofs (RFC 9449 §8)."""
        return getattr(settings, "DEVIDP_DPOP_NONCE", is_fapi2())


app_settings = AppSettings()

FAPI2 = "fapi2"
PROFILES = ("oidc", FAPI2)
# RFC 7523 client assertions and RFC 9449 proofs: asymmetric algorithms only, never HS*/none.
# FAPI 2.0 section 5.4 allows PS256, ES256 and EdDSA; RS256 only outside it.
FAPI2_ALGORITHMS = ["PS256", "ES256", "EdDSA"]
ASYMMETRIC_ALGORITHMS = ["RS256", *FAPI2_ALGORITHMS]


def is_fapi2() -> bool:
    return app_settings.PROFILE == FAPI2


def client_algorithms() -> list[str]:
    """Algorithms a client may sign its assertions and DPoP proofs with, in this profile."""
    return list(FAPI2_ALGORITHMS if is_fapi2() else ASYMMETRIC_ALGORITHMS)
