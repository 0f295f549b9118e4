"""Every setting the API guard reads, with its default, in one place.

Read at call time (not import time), so `override_settings` in tests and a reconfigured
process both see the current value.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# OpenID PAPE's phishing-resistant policy: a factor bound to the site's origin (a passkey).
PHISHING_RESISTANT_ACR = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"

DEFAULTS: dict[str, Any] = {
    # The issuer whose tokens are accepted (`iss`); its discovery document names the JWKS.
    "API_ISSUER": None,
    # This API's identifier: the `aud` every token must carry.
    "API_AUDIENCE": None,
    # Where the signing keys are; None: the `jwks_uri` of the issuer's discovery document.
    "API_JWKS_URL": None,
    # Accept `typ: JWT` (Auth0's default profile) besides RFC 9068's `at+jwt`.
    "API_ACCEPT_JWT_TYP": False,
    # Clock skew tolerated on exp, nbf, iat and auth_time, in seconds (capped at 60).
    "API_TOKEN_LEEWAY": 30,
    # A recent-MFA view refuses (RFC 9470 challenge) a token that carries no acr/amr/
    # auth_time at all. Fail closed: turn it off only for a provider that cannot send them
    # (`manage.py check` then warns).
    "API_REQUIRE_AUTH_CONTEXT": True,
    # Namespace of custom claims (an Auth0 Action's `https://example.com/amr`, ...).
    "API_CLAIM_NAMESPACE": "",
    # The acr value that means "a second factor was used" (OpenID PAPE multi-factor).
    "API_MFA_ACR": MFA_ACR,
    # acr values that also satisfy a required one, beyond itself: a phishing-resistant
    # factor is a second factor too. {required acr: [stronger acr, ...]}
    "API_STRONGER_ACRS": {MFA_ACR: [PHISHING_RESISTANT_ACR]},
    # How old the second factor may be for `recent_mfa_required`, in seconds.
    "API_STEP_UP_MAX_AGE": 300,
    # Scopes only some clients may use: {"transfer:funds": ["web-client-id"]}. A token for
    # such a scope must name one of them in `client_id` (RFC 9068) or `azp`.
    "API_ALLOWED_CLIENTS": {},
    # RFC 7662 introspection for `@introspected` views: the API's own credentials at the
    # issuer (not the web app's). Without a client id, nothing is introspected. The
    # endpoint comes from discovery (`introspection_endpoint`) unless set here.
    "API_INTROSPECTION_CLIENT_ID": None,
    "API_INTROSPECTION_CLIENT_SECRET": None,
    "API_INTROSPECTION_URL": None,
    # The realm named in WWW-Authenticate challenges.
    "API_REALM": "api",
    # "bearer": today's tokens, Bearer or DPoP; "fapi2": FAPI 2.0, DPoP-bound tokens only
    # and no RS256. In every profile a token carrying `cnf` needs its DPoP proof.
    "API_PROFILE": "bearer",
    # Accepted signing algorithms, for access tokens and DPoP proofs alike; None: the
    # profile's (PROFILE_ALGORITHMS below).
    "API_ALGORITHMS": None,
    # RFC 9449 §8 server nonces: a proof must carry a recent `nonce` the API handed out.
    # None: the profile's (off for bearer, on for fapi2).
    "API_DPOP_NONCE": None,
    # This API's external base URL as its clients call it (scheme, host, port, and any
    # path prefix a proxy strips), e.g. https://bank.example. A DPoP proof's `htu` must be
    # this plus the request's path; never the Host header, which the sender writes.
    "API_EXTERNAL_URL": None,
    # How long a DPoP proof stays acceptable after its `iat` (and how long its jti is kept),
    # in seconds; API_TOKEN_LEEWAY is added for clock skew.
    "API_DPOP_PROOF_MAX_AGE": 60,
}

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


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def profile() -> str:
    return setting("API_PROFILE")


def algorithms() -> tuple[str, ...]:
    """The accepted signing algorithms: API_ALGORITHMS, else the profile's."""
    configured = setting("API_ALGORITHMS")
    if configured:
        return tuple(configured)
    return PROFILE_ALGORITHMS.get(profile(), PROFILE_ALGORITHMS["fapi2"])


def dpop_nonce_required() -> bool:
    configured = setting("API_DPOP_NONCE")
    # An unknown profile (api_auth.E010 at start-up) gets the strict choice.
    return profile() != "bearer" if configured is None else bool(configured)


def bearer_accepted() -> bool:
    """FAPI 2.0 takes sender-constrained tokens only: no Bearer scheme at all."""
    return profile() == "bearer"
