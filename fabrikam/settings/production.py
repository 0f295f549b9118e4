"""Production settings: no insecure defaults; a missing secret stops start-up."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import API_BASE_URL, FABRIKAM_ROLES, INSTALLED_APPS, SITE_URL, env

DEBUG = env.bool("DEBUG", default=False)
try:
    SECRET_KEY = env("SECRET_KEY")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production settings have no default: set SECRET_KEY in the "
        "environment (for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    ) from exc
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# The web pages call the API at API_BASE_URL, or at SITE_URL + /api/ when the API is served
# with the site; one of them must be set, because the request's Host header is no address
# to send a customer's token to.
if "web" in FABRIKAM_ROLES and not (API_BASE_URL or SITE_URL):
    raise ImproperlyConfigured(
        "Set API_BASE_URL (where the web pages reach the API, e.g. http://api:8001/api/) or "
        "SITE_URL (this site's origin, e.g. https://bank.example, if it serves /api/ too)."
    )

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# `__Host-`: the browser keeps these only if Secure, for path / and this exact host (no
# Domain), so neither a subdomain nor a plain-HTTP page can set or shadow them.
SESSION_COOKIE_NAME = "__Host-fabrikam_session"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# WhiteNoise serves the collected static files from the app server (runserver does it in dev).
MIDDLEWARE = [*MIDDLEWARE]  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The embedded demo IdP is off in production. A public demo may switch it on, and must then
# name its issuer, client secret and URLs explicitly: nothing here falls back to demo values.
DEVIDP_ENABLED = env.bool("DEVIDP_ENABLED", default=False)
if DEVIDP_ENABLED:
    INSTALLED_APPS = [*INSTALLED_APPS, "devidp"]
    DEVIDP_ISSUER = env("DEVIDP_ISSUER").rstrip("/")
    DEVIDP_CLIENT_ID = env("DEVIDP_CLIENT_ID", default="fabrikam-web")
    DEVIDP_CLIENT_SECRET = env("DEVIDP_CLIENT_SECRET")
    DEVIDP_REDIRECT_URIS = env.list("DEVIDP_REDIRECT_URIS")
    DEVIDP_POST_LOGOUT_REDIRECT_URIS = env.list("DEVIDP_POST_LOGOUT_REDIRECT_URIS")
    DEVIDP_AUDIENCE = env("API_AUDIENCE", default=None) or env(
        "AUTH0_AUDIENCE", default="https://api.fabrikam.example"
    )
    DEVIDP_SIGNUPS_PER_HOUR = env.int("DEVIDP_SIGNUPS_PER_HOUR", default=5)
    DEVIDP_REAUTH_AFTER = env.int("DEVIDP_REAUTH_AFTER", default=15 * 60)
    DEVIDP_INTROSPECTION_CLIENT_ID = env("DEVIDP_INTROSPECTION_CLIENT_ID", default="fabrikam-api")
    # No demo default: unset, introspection refuses every caller (a start-up warning says so).
    DEVIDP_INTROSPECTION_CLIENT_SECRET = env("DEVIDP_INTROSPECTION_CLIENT_SECRET", default="")
    DEVIDP_REQUIRE_PAR = env.bool("DEVIDP_REQUIRE_PAR", default=False)
    DEVIDP_APPROVAL_TOKEN_LIFETIME = env.int("DEVIDP_APPROVAL_TOKEN_LIFETIME", default=120)
    # `__Secure-`, not `__Host-`: the IdP's cookie is scoped to the issuer's path (/idp/),
    # which `__Host-` forbids; over plain HTTP the browser would refuse either prefix.
    DEVIDP_SESSION_COOKIE_NAME = (
        "__Secure-devidp_session" if DEVIDP_ISSUER.startswith("https://") else "devidp_session"
    )
