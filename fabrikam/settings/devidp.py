"""The embedded demo identity provider's settings (the `devidp` app), read from the
environment in this one place for dev.py and production.py alike.

Only what the environment sets is passed on, what follows from the site's own address, and
in development the demo credentials the site itself signs in with (the IdP registers the
client the site uses, so the site names it). Every other DEVIDP_* setting keeps its default
in devidp/conf.py, the one home of those defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

# Each DEVIDP_* variable a deployment may set (.env.example says what each means), and how
# it is read.
VARIABLES: dict[str, Callable[[environ.Env, str], Any]] = {
    "DEVIDP_ISSUER": lambda env, name: env.str(name).rstrip("/"),
    "DEVIDP_CLIENT_ID": environ.Env.str,
    "DEVIDP_CLIENT_SECRET": environ.Env.str,
    "DEVIDP_REDIRECT_URIS": environ.Env.list,
    "DEVIDP_POST_LOGOUT_REDIRECT_URIS": environ.Env.list,
    "DEVIDP_SIGNUPS_PER_HOUR": environ.Env.int,
    "DEVIDP_REAUTH_AFTER": environ.Env.int,
    "DEVIDP_INTROSPECTION_CLIENT_ID": environ.Env.str,
    "DEVIDP_INTROSPECTION_CLIENT_SECRET": environ.Env.str,
    "DEVIDP_REQUIRE_PAR": environ.Env.bool,
    "DEVIDP_APPROVAL_TOKEN_LIFETIME": environ.Env.int,
    # "oidc" (today's) or "fapi2" (FAPI 2.0: PAR, private_key_jwt, DPoP, PS256/ES256).
    "DEVIDP_PROFILE": environ.Env.str,
    # Where the web app's client publishes its public keys, for private_key_jwt.
    "DEVIDP_CLIENT_JWKS_URI": environ.Env.str,
    # CIBA (the assistant, `make assistant-pay`): its CIBA-only client and the poll interval.
    "DEVIDP_ASSISTANT_CLIENT_ID": environ.Env.str,
    "DEVIDP_ASSISTANT_CLIENT_SECRET": environ.Env.str,
    "DEVIDP_CIBA_INTERVAL": environ.Env.int,
}
# Development's published demo clients (README): the web app's, and the API's for RFC 7662
# introspection. Demo-only secrets; production has none.
DEMO_CLIENTS = {
    "DEVIDP_CLIENT_ID": "fabrikam-web",
    "DEVIDP_CLIENT_SECRET": "demo-only-fabrikam-web-secret",
    "DEVIDP_INTROSPECTION_CLIENT_ID": "fabrikam-api",
    "DEVIDP_INTROSPECTION_CLIENT_SECRET": "demo-only-fabrikam-api-introspection-secret",
    "DEVIDP_ASSISTANT_CLIENT_ID": "fabrikam-assistant",
    "DEVIDP_ASSISTANT_CLIENT_SECRET": "demo-only-fabrikam-assistant-secret",
}
# A public demo in production names these itself: nothing there falls back to a demo value.
REQUIRED_IN_PRODUCTION = (
    "DEVIDP_ISSUER",
    "DEVIDP_CLIENT_SECRET",
    "DEVIDP_REDIRECT_URIS",
    "DEVIDP_POST_LOGOUT_REDIRECT_URIS",
)


def devidp_settings(env: environ.Env, *, audience: str, site_url: str | None) -> dict[str, Any]:
    """The DEVIDP_* settings for the site whose API is `audience`.

    With `site_url` (development) the issuer and the redirect URIs follow the site's address
    and the clients are DEMO_CLIENTS, unless the environment names them. Without it
    (production) the environment must name REQUIRED_IN_PRODUCTION, and introspection has no
    demo secret: unset, it refuses every caller (a start-up warning says so).
    """
    # The API it issues access tokens for: the same identifier the host's API demands.
    values: dict[str, Any] = {"DEVIDP_AUDIENCE": audience}
    if site_url:
        values |= {
            "DEVIDP_ISSUER": f"{site_url}/idp",
            "DEVIDP_REDIRECT_URIS": [f"{site_url}/callback"],
            "DEVIDP_POST_LOGOUT_REDIRECT_URIS": [f"{site_url}/"],
            "DEVIDP_CLIENT_JWKS_URI": f"{site_url}/oidc/jwks.json",
            **DEMO_CLIENTS,
        }
    else:
        if missing := [name for name in REQUIRED_IN_PRODUCTION if name not in env.ENVIRON]:
            raise ImproperlyConfigured(
                "DEVIDP_ENABLED is on in production, so set " + ", ".join(missing) + "."
            )
        values["DEVIDP_INTROSPECTION_CLIENT_SECRET"] = ""
    values |= {name: read(env, name) for name, read in VARIABLES.items() if name in env.ENVIRON}
    return values
