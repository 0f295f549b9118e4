"""Production settings: no insecure defaults; a missing secret stops start-up."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import API_AUDIENCE, API_BASE_URL, FABRIKAM_ROLES, INSTALLED_APPS, SITE_URL, env
from .devidp import devidp_settings

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
    devidp = devidp_settings(env, audience=API_AUDIENCE, site_url=None)
    globals().update(devidp)
    # `__Secure-`, not `__Host-`: the IdP's cookie is scoped to the issuer's path (/idp/),
    # which `__Host-` forbids; over plain HTTP the browser would refuse either prefix.
    DEVIDP_SESSION_COOKIE_NAME = (
        "__Secure-devidp_session"
        if devidp["DEVIDP_ISSUER"].startswith("https://")
        else "devidp_session"
    )
