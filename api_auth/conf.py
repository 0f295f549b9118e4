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
    # RFC 7662 introspection for `@introspected` views (every view that takes a token, in
    # this project): the API's own credentials at the
    # issuer (not the web app's). Without a client id, nothing is introspected. The
    # endpoint comes from discovery (`introspection_endpoint`) unless set here.
    "API_INTROSPECTION_CLIENT_ID": None,
    "API_INTROSPECTION_CLIENT_SECRET": None,
    "API_INTROSPECTION_URL": None,
    # The realm named in WWW-Authenticate challenges.
    "API_REALM": "api",
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
