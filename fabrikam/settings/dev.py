"""Development and demo settings: safe defaults so `make demo` needs no configuration."""

from __future__ import annotations

import json
from importlib.util import find_spec
from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import (
    API_AUDIENCE,
    API_EXTERNAL_URL,
    API_INTROSPECTION_CLIENT_ID,
    API_INTROSPECTION_CLIENT_SECRET,
    API_TRANSFER_CLIENTS,
    ASSISTANT_CLIENT_ID,
    ASSISTANT_CLIENT_KEY_FILE,
    ASSISTANT_CLIENT_SECRET,
    BASE_DIR,
    IDP_ACCOUNT_URL,
    INSTALLED_APPS,
    MIDDLEWARE,
    OIDC_CLIENT_AUTH_METHOD,
    OIDC_CLIENT_ID,
    OIDC_CLIENT_KEY,
    OIDC_CLIENT_KEY_FILE,
    OIDC_CLIENT_SECRET,
    OIDC_ISSUER,
    OIDC_REDIRECT_URI,
    env,
)
from .devidp import devidp_settings

DEBUG = env.bool("DEBUG", default=True)
# Demo-only key: never used in production, where SECRET_KEY has no default.
SECRET_KEY = env("SECRET_KEY", default="demo-only-insecure-secret-key-do-not-use-in-production")
# The address people open (`make demo HOST=... PORT=...` sets it): the demo IdP's issuer and
# the redirect URIs below follow it, and the loopback names that are not its host redirect
# to it (fabrikam/middleware.py), since cookies and redirect URIs belong to one host name.
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")
# DPoP proofs name the API's URL; in the demo the API is served by the site itself.
API_EXTERNAL_URL = API_EXTERNAL_URL or SITE_URL
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
# Browsers keep cookies apart by host name, not by port: a second demo (or any server) on
# localhost:8491 would receive this one's session and CSRF cookies. Each site's cookie
# names carry its port, so one demo's cookies mean nothing to another.
_SITE_PORT = urlsplit(SITE_URL).port or (443 if SITE_URL.startswith("https:") else 80)
SESSION_COOKIE_NAME = f"fabrikam_session_{_SITE_PORT}"
CSRF_COOKIE_NAME = f"csrftoken_{_SITE_PORT}"
DEVIDP_SESSION_COOKIE_NAME = f"devidp_session_{_SITE_PORT}"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- Embedded demo identity provider (the `devidp` app) -------------------------------------
# On by default so `make demo` needs no Auth0 tenant; DEVIDP_ENABLED=false (or deleting the
# app's folder) leaves a site that talks to whatever OIDC_ISSUER / AUTH0_DOMAIN names, or
# says that sign-in is not configured.
DEVIDP_ENABLED = env.bool("DEVIDP_ENABLED", default=True) and find_spec("devidp") is not None
if DEVIDP_ENABLED:
    INSTALLED_APPS = [*INSTALLED_APPS, "devidp"]
    # Lower case: a name for this file, not a setting.
    devidp = devidp_settings(env, audience=API_AUDIENCE, site_url=SITE_URL)
    globals().update(devidp)
# With no tenant configured, the web app signs in against the embedded IdP's demo client.
# Only then: a real tenant must never be sent the published demo secret.
if OIDC_ISSUER is None and DEVIDP_ENABLED:
    OIDC_ISSUER = API_ISSUER = devidp["DEVIDP_ISSUER"]
    OIDC_CLIENT_ID = OIDC_CLIENT_ID or devidp["DEVIDP_CLIENT_ID"]
    OIDC_CLIENT_SECRET = OIDC_CLIENT_SECRET or devidp["DEVIDP_CLIENT_SECRET"]
    ASSISTANT_CLIENT_ID = devidp["DEVIDP_ASSISTANT_CLIENT_ID"]
    ASSISTANT_CLIENT_SECRET = ASSISTANT_CLIENT_SECRET or devidp["DEVIDP_ASSISTANT_CLIENT_SECRET"]
    IDP_ACCOUNT_URL = IDP_ACCOUNT_URL or f"{OIDC_ISSUER}/u/account"  # passkeys
    # The API asks the embedded IdP about transfer tokens with credentials of its own.
    API_INTROSPECTION_CLIENT_ID = (
        API_INTROSPECTION_CLIENT_ID or devidp["DEVIDP_INTROSPECTION_CLIENT_ID"]
    )
    API_INTROSPECTION_CLIENT_SECRET = (
        API_INTROSPECTION_CLIENT_SECRET or devidp["DEVIDP_INTROSPECTION_CLIENT_SECRET"]
    )

# --- The demo's profile (`make demo PROFILE=fapi2`) -----------------------------------------
# One switch for the three apps: "oidc" (today's: bearer tokens, a client secret) or "fapi2"
# (FAPI 2.0 Security Profile). Each app's own variable still wins (OIDC_PROFILE, API_PROFILE,
# DEVIDP_PROFILE); an unknown value reaches them as it is, and their start-up checks name it.
FABRIKAM_PROFILE = env("FABRIKAM_PROFILE", default="oidc")
OIDC_PROFILE = env("OIDC_PROFILE", default=FABRIKAM_PROFILE)
API_PROFILE = env(
    "API_PROFILE", default="bearer" if FABRIKAM_PROFILE == "oidc" else FABRIKAM_PROFILE
)
DEVIDP_PROFILE = env("DEVIDP_PROFILE", default=FABRIKAM_PROFILE)
if OIDC_PROFILE == "fapi2":
    # FAPI 2.0 takes no redirect URI built from the request's Host: it is this site's.
    OIDC_REDIRECT_URI = OIDC_REDIRECT_URI or f"{SITE_URL}/callback"
    OIDC_CLIENT_AUTH_METHOD = OIDC_CLIENT_AUTH_METHOD or "private_key_jwt"
    if not (OIDC_CLIENT_KEY or OIDC_CLIENT_KEY_FILE):
        # The demo-only key scripts/demo_keys.py made (`make demo PROFILE=fapi2` runs it);
        # missing, `manage.py check` says OIDC_CLIENT_KEY_FILE cannot be read.
        DEMO_KEYS_DIR = BASE_DIR / env("DEMO_KEYS_DIR", default="var/demo-keys")
        OIDC_CLIENT_KEY_FILE = str(DEMO_KEYS_DIR / "web-client.demo-only.private.jwk")
        public = DEMO_KEYS_DIR / "web-client.demo-only.public.jwks.json"
        # `devidp_seed` registers the demo client with these public keys, inline: the IdP
        # never calls the site back for /oidc/jwks.json (its jwks_uri, used when absent).
        DEVIDP_CLIENT_JWKS = json.loads(public.read_text()) if public.exists() else None
    if not ASSISTANT_CLIENT_KEY_FILE:
        # The assistant's (CIBA, `make assistant-pay`): private_key_jwt in fapi2 too.
        DEMO_KEYS_DIR = BASE_DIR / env("DEMO_KEYS_DIR", default="var/demo-keys")
        ASSISTANT_CLIENT_KEY_FILE = str(DEMO_KEYS_DIR / "assistant.demo-only.private.jwk")
        public = DEMO_KEYS_DIR / "assistant.demo-only.public.jwks.json"
        DEVIDP_ASSISTANT_CLIENT_JWKS = json.loads(public.read_text()) if public.exists() else None
    # Any other key is registered by its URL on this site, wherever SITE_URL puts it.
    DEVIDP_CLIENT_JWKS_URI = env("DEVIDP_CLIENT_JWKS_URI", default=f"{SITE_URL}/oidc/jwks.json")

# The web app's own client is the one allowed to move money (the demo client, by default),
# and the assistant's, when it has credentials (with the embedded IdP: its demo client).
API_ALLOWED_CLIENTS = {
    "transfer:funds": API_TRANSFER_CLIENTS
    or [OIDC_CLIENT_ID, *([ASSISTANT_CLIENT_ID] if ASSISTANT_CLIENT_SECRET else [])]
}
