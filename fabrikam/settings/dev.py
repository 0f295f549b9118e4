"""Development and demo settings: safe defaults so `make demo` needs no configuration."""

from __future__ import annotations

from importlib.util import find_spec
from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import (
    API_INTROSPECTION_CLIENT_ID,
    API_INTROSPECTION_CLIENT_SECRET,
    API_TRANSFER_CLIENTS,
    ASSISTANT_CLIENT_ID,
    ASSISTANT_CLIENT_SECRET,
    IDP_ACCOUNT_URL,
    INSTALLED_APPS,
    MIDDLEWARE,
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    OIDC_ISSUER,
    env,
)

DEBUG = env.bool("DEBUG", default=True)
# Demo-only key: never used in production, where SECRET_KEY has no default.
SECRET_KEY = env("SECRET_KEY", default="demo-only-insecure-secret-key-do-not-use-in-production")
# The address people open (`make demo HOST=... PORT=...` sets it): the demo IdP's issuer and
# the redirect URIs below follow it, and the loopback names that are not its host redirect
# to it (fabrikam/middleware.py), since cookies and redirect URIs belong to one host name.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=list(
        dict.fromkeys(
            ["localhost", "127.0.0.1", "[::1]", "testserver", urlsplit(SITE_URL).hostname]
        )
    ),
)
# WhiteNoise as in production, so `make serve` (gunicorn serves no static files itself) and
# `make demo` (DEBUG off, to show the site's own error pages) work without collectstatic:
# files come straight from the app directories, re-read on change.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "fabrikam.middleware.LoopbackHostRedirectMiddleware",
)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- Embedded demo identity provider (the `devidp` app) -------------------------------------
# On by default so `make demo` needs no Auth0 tenant; DEVIDP_ENABLED=false (or deleting the
# app's folder) leaves a site that talks to whatever OIDC_ISSUER / AUTH0_DOMAIN names, or
# says that sign-in is not configured.
DEVIDP_ENABLED = env.bool("DEVIDP_ENABLED", default=True) and find_spec("devidp") is not None
if DEVIDP_ENABLED:
    INSTALLED_APPS = [*INSTALLED_APPS, "devidp"]
DEVIDP_ISSUER = env("DEVIDP_ISSUER", default=f"{SITE_URL}/idp").rstrip("/")
DEVIDP_CLIENT_ID = env("DEVIDP_CLIENT_ID", default="fabrikam-web")
# Demo-only secret, published in the README; `devidp_seed` registers the client with it.
DEVIDP_CLIENT_SECRET = env("DEVIDP_CLIENT_SECRET", default="demo-only-fabrikam-web-secret")
DEVIDP_REDIRECT_URIS = env.list("DEVIDP_REDIRECT_URIS", default=[f"{SITE_URL}/callback"])
DEVIDP_POST_LOGOUT_REDIRECT_URIS = env.list(
    "DEVIDP_POST_LOGOUT_REDIRECT_URIS", default=[f"{SITE_URL}/"]
)
# The API it issues access tokens for: the same identifier the host's API demands.
DEVIDP_AUDIENCE = env("API_AUDIENCE", default=None) or env(
    "AUTH0_AUDIENCE", default="https://api.fabrikam.example"
)
DEVIDP_SIGNUPS_PER_HOUR = env.int("DEVIDP_SIGNUPS_PER_HOUR", default=5)  # per client IP
# Seconds after its last sign-in or second factor that the IdP's session counts as recent:
# a step-up then asks for the second factor only; after that, for the password first.
DEVIDP_REAUTH_AFTER = env.int("DEVIDP_REAUTH_AFTER", default=15 * 60)
# The API's credentials for RFC 7662 introspection (demo-only secret); the API side is
# configured with the same pair.
DEVIDP_INTROSPECTION_CLIENT_ID = env("DEVIDP_INTROSPECTION_CLIENT_ID", default="fabrikam-api")
DEVIDP_INTROSPECTION_CLIENT_SECRET = env(
    "DEVIDP_INTROSPECTION_CLIENT_SECRET", default="demo-only-fabrikam-api-introspection-secret"
)
# Payment approvals (RFC 9396 + RFC 9126): must the web app's client push every request
# (stored by `devidp_seed`), and how long a token that approves one payment lives.
DEVIDP_REQUIRE_PAR = env.bool("DEVIDP_REQUIRE_PAR", default=False)
DEVIDP_APPROVAL_TOKEN_LIFETIME = env.int("DEVIDP_APPROVAL_TOKEN_LIFETIME", default=120)
# CIBA (the assistant, `make assistant-pay`): its CIBA-only client, registered by
# `devidp_seed` with this demo-only secret, and the seconds it waits between polls.
DEVIDP_ASSISTANT_CLIENT_ID = env("DEVIDP_ASSISTANT_CLIENT_ID", default="fabrikam-assistant")
DEVIDP_ASSISTANT_CLIENT_SECRET = env(
    "DEVIDP_ASSISTANT_CLIENT_SECRET", default="demo-only-fabrikam-assistant-secret"
)
DEVIDP_CIBA_INTERVAL = env.int("DEVIDP_CIBA_INTERVAL", default=5)
# With no tenant configured, the web app signs in against the embedded IdP's demo client.
# Only then: a real tenant must never be sent the published demo secret.
if OIDC_ISSUER is None and DEVIDP_ENABLED:
    OIDC_ISSUER = API_ISSUER = DEVIDP_ISSUER
    OIDC_CLIENT_ID = OIDC_CLIENT_ID or DEVIDP_CLIENT_ID
    OIDC_CLIENT_SECRET = OIDC_CLIENT_SECRET or DEVIDP_CLIENT_SECRET
    ASSISTANT_CLIENT_ID = DEVIDP_ASSISTANT_CLIENT_ID
    ASSISTANT_CLIENT_SECRET = ASSISTANT_CLIENT_SECRET or DEVIDP_ASSISTANT_CLIENT_SECRET
    IDP_ACCOUNT_URL = IDP_ACCOUNT_URL or f"{DEVIDP_ISSUER}/u/account"  # passkeys
    # The API asks the embedded IdP about transfer tokens with credentials of its own.
    API_INTROSPECTION_CLIENT_ID = API_INTROSPECTION_CLIENT_ID or DEVIDP_INTROSPECTION_CLIENT_ID
    API_INTROSPECTION_CLIENT_SECRET = (
        API_INTROSPECTION_CLIENT_SECRET or DEVIDP_INTROSPECTION_CLIENT_SECRET
    )
# The web app's own client is the one allowed to move money (the demo client, by default),
# and the assistant's, when it has credentials (with the embedded IdP: its demo client).
API_ALLOWED_CLIENTS = {
    "transfer:funds": API_TRANSFER_CLIENTS
    or [OIDC_CLIENT_ID, *([ASSISTANT_CLIENT_ID] if ASSISTANT_CLIENT_SECRET else [])]
}
