"""Settings shared by every role and environment, all read from one `env` object.

Every variable is listed, with a comment, in `.env.example`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class SetVariables(Mapping[str, str]):
    """The process environment without its empty variables: `NAME=` means "not set", so a
    `.env` copied from `.env.example` keeps every default (an empty DATABASE_URL would stop
    start-up with KeyError 'ENGINE', an empty DEBUG would mean False)."""

    def __getitem__(self, name: str) -> str:
        value = os.environ[name]
        if value == "":
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name, value in os.environ.items() if value != "")

    def __len__(self) -> int:
        return sum(1 for _ in self)


env = environ.Env()
env.ENVIRON = SetVariables()
# A local `.env` is a convenience for development; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default=None)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # The two copyable apps (docs/copying.md), then the bank that wires them together.
    "oidc_client",
    "api_auth",
    "accounts",
    "transfers",
    "guide",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fabrikam.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oidc_client.middleware.OidcErrorMiddleware",
    "fabrikam.middleware.WebErrorMiddleware",
]
# Outermost, so its line carries the status every other middleware settled on.
MIDDLEWARE.insert(0, "fabrikam.request_log.RequestLogMiddleware")

ROOT_URLCONF = "fabrikam.urls"
# Which URL groups this process serves: all three by default (one process, `make demo`);
# docker-compose and the topology test run one role per process.
FABRIKAM_ROLES = env.list("FABRIKAM_ROLES", default=["web", "api", "idp"])
if "web" not in FABRIKAM_ROLES:
    # The site's CSRF page links to site URLs; an api or idp process answers plainly.
    CSRF_FAILURE_VIEW = "fabrikam.role_errors.csrf_failure"
WSGI_APPLICATION = "fabrikam.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite has one writer at a time, so make concurrent requests queue as they would on
    # PostgreSQL instead of failing with "database is locked":
    # - IMMEDIATE takes the write lock when a transaction begins. A DEFERRED one that reads
    #   first and writes later cannot wait for the lock (SQLite refuses at once, to avoid a
    #   deadlock), which is what select_for_update would have prevented on PostgreSQL.
    # - the timeout (seconds) is how long a writer waits for that lock;
    # - WAL lets pages read while a transfer writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default=None)
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# How pages show times (receipts, history): the customer's local time. Stored times stay
# UTC (USE_TZ), and so do the money rules: the daily limit's midnight and statement months
# are UTC days and months whatever this says (transfers/services.py, accounts/selectors.py).
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

SESSION_COOKIE_NAME = "fabrikam_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Extra origins a form may post (or be redirected) to, beyond 'self' and the issuer
# (fabrikam/csp.py).
CSP_FORM_ACTION = env.list("CSP_FORM_ACTION", default=[])

# --- Identity provider, web client (oidc_client) and API guard (api_auth) -------------------
# Generic OpenID Connect names, with the AUTH0_* names users know accepted as well.
AUTH0_DOMAIN = env("AUTH0_DOMAIN", default=None)
OIDC_ISSUER = env("OIDC_ISSUER", default=None) or (
    f"https://{AUTH0_DOMAIN}/" if AUTH0_DOMAIN else None
)
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID", default=None) or env("AUTH0_CLIENT_ID", default=None)
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default=None) or env(
    "AUTH0_CLIENT_SECRET", default=None
)
# The API identifier: the audience the web app asks for and the `aud` the API demands.
API_AUDIENCE = env("API_AUDIENCE", default=None) or env(
    "AUTH0_AUDIENCE", default="https://api.fabrikam.example"
)
OIDC_AUDIENCE = API_AUDIENCE
OIDC_SCOPE = "openid profile email read:accounts"
# The redirect URI defaults to this site's /callback.
OIDC_REDIRECT_URI = env("OIDC_REDIRECT_URI", default=None)
# Also send RFC 8707 `resource` (sent anyway when discovery advertises support).
OIDC_SEND_RESOURCE = env.bool("OIDC_SEND_RESOURCE", default=False)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
# "oidc" (today's: bearer tokens, a client secret) or "fapi2" (FAPI 2.0: PAR, private_key_jwt,
# DPoP, PS256/ES256 ID tokens, a configured OIDC_REDIRECT_URI). See docs/copying.md.
OIDC_PROFILE = env("OIDC_PROFILE", default="oidc")
# client_secret_basic, client_secret_post or private_key_jwt; unset: the profile's choice.
OIDC_CLIENT_AUTH_METHOD = env("OIDC_CLIENT_AUTH_METHOD", default=None)
# The web client's private key for private_key_jwt (PEM or JWK JSON), or a file holding it.
OIDC_CLIENT_KEY = env("OIDC_CLIENT_KEY", default=None)
OIDC_CLIENT_KEY_FILE = env("OIDC_CLIENT_KEY_FILE", default=None)
# DPoP-bound tokens (RFC 9449); unset: on in fapi2, off otherwise.
OIDC_DPOP = env.bool("OIDC_DPOP", default=None)
OIDC_BASE_TEMPLATE = "base.html"
# RFC 9396 types the provider accepts, when its discovery document does not list them (an
# Auth0 tenant with Highly Regulated Identity: the types registered on the API).
OIDC_AUTHORIZATION_DETAILS_TYPES = env.list("OIDC_AUTHORIZATION_DETAILS_TYPES", default=[]) or None
# An Auth0 tenant (custom domains too) signs out through /v2/logout when RP-initiated logout
# is not enabled; auto-detected for *.auth0.com issuers.
OIDC_AUTH0_LOGOUT = True if AUTH0_DOMAIN else None
# Step-up: how recent the second factor must be for a transfer (web client and API alike)
# and for the web-only step-up pages, in seconds.
OIDC_STEP_UP_MAX_AGE = API_STEP_UP_MAX_AGE = env.int("STEP_UP_MAX_AGE", default=300)
OIDC_WEB_STEP_UP_MAX_AGE = env.int("WEB_STEP_UP_MAX_AGE", default=600)
# The API guard accepts tokens from the same issuer the web client signs in with.
API_ISSUER = OIDC_ISSUER
API_REALM = "fabrikam-api"
# Transfer tokens must carry acr/amr/auth_time (fail closed). Turn off only for a provider
# that cannot send them; `manage.py check` warns when it is off.
API_REQUIRE_AUTH_CONTEXT = env.bool("API_REQUIRE_AUTH_CONTEXT", default=True)
# The assistant (`make assistant-pay`): its own OAuth client, which pays a bill only once the
# customer approved that payment on their phone (CIBA). No secret: the command refuses.
ASSISTANT_CLIENT_ID = env("ASSISTANT_CLIENT_ID", default="fabrikam-assistant")
ASSISTANT_CLIENT_SECRET = env("ASSISTANT_CLIENT_SECRET", default=None)
# In the fapi2 profile (OIDC_PROFILE) the assistant signs private_key_jwt assertions with its
# own P-256 private key (a JWK or PEM) in this file instead of sending the secret.
ASSISTANT_CLIENT_KEY_FILE = env("ASSISTANT_CLIENT_KEY_FILE", default=None)
# Only the web app's own client may move money with this API's tokens (comma-separated).
API_TRANSFER_CLIENTS = env.list("API_TRANSFER_CLIENTS", default=[])
API_ALLOWED_CLIENTS = {"transfer:funds": API_TRANSFER_CLIENTS or [OIDC_CLIENT_ID]}
# Namespace of the custom claims an Auth0 Action adds (e.g. https://fabrikam.example/).
API_CLAIM_NAMESPACE = env("API_CLAIM_NAMESPACE", default="")
# Auth0's default access-token profile says `typ: JWT`; RFC 9068 tokens say `at+jwt`. Off by
# default because `JWT` is also what an ID token says.
API_ACCEPT_JWT_TYP = env.bool("API_ACCEPT_JWT_TYP", default=False)
# Where the API reads signing keys; default: the `jwks_uri` of the issuer's discovery document.
API_JWKS_URL = env("API_JWKS_URL", default=None)
# RFC 7662: the API's own credentials at the issuer's introspection endpoint (when the
# issuer advertises one), to refuse a revoked token at every endpoint (reads too).
API_INTROSPECTION_CLIENT_ID = env("API_INTROSPECTION_CLIENT_ID", default=None)
API_INTROSPECTION_CLIENT_SECRET = env("API_INTROSPECTION_CLIENT_SECRET", default=None)
# Clock skew tolerated on exp, nbf, iat and auth_time, in seconds (at most 60).
API_TOKEN_LEEWAY = env.int("API_TOKEN_LEEWAY", default=30)
# The site's own origin, e.g. https://bank.example (dev: http://localhost:8000). Links and
# calls the server makes to itself start here, never at the request's Host header, which
# whoever sends the request writes (ALLOWED_HOSTS does not even compare ports).
SITE_URL = env("SITE_URL", default=None)
# The bank's web pages reach the resource API here (default: SITE_URL + /api/), and wait
# this many seconds for it before showing a clear error.
API_BASE_URL = env("API_BASE_URL", default=None)
API_TIMEOUT = env.float("API_TIMEOUT", default=5.0)
# The API guard's profile: "bearer" (today's; DPoP-bound tokens need their proof) or
# "fapi2" (DPoP only, no RS256). Algorithms and server DPoP nonces follow the profile
# unless set (comma-separated names; true/false).
API_PROFILE = env("API_PROFILE", default="bearer")
API_ALGORITHMS = env.list("API_ALGORITHMS", default=[]) or None
API_DPOP_NONCE = env.bool("API_DPOP_NONCE", default=None)
# The API's origin as its clients call it, which DPoP proofs' `htu` must name: the origin
# of API_BASE_URL (where the web pages call it), else SITE_URL; never the Host header.
API_EXTERNAL_URL = env("API_EXTERNAL_URL", default=None) or (
    "{0.scheme}://{0.netloc}".format(urlsplit(API_BASE_URL)) if API_BASE_URL else SITE_URL
)
LOGIN_URL = "login"

# Payee lookups (/api/payees/<number>) answer who owns an account number, masked: enough
# to check a payee, too few to harvest names. Per customer and per client address, in
# each window of PAYEE_LOOKUPS_WINDOW seconds.
PAYEE_LOOKUPS_PER_CUSTOMER = env.int("PAYEE_LOOKUPS_PER_CUSTOMER", default=20)
PAYEE_LOOKUPS_PER_ADDRESS = env.int("PAYEE_LOOKUPS_PER_ADDRESS", default=60)
PAYEE_LOOKUPS_WINDOW = env.int("PAYEE_LOOKUPS_WINDOW", default=600)
# Peers whose X-Forwarded-For names the real client (addresses or networks, or *): a
# reverse proxy you run in front of the site. None by default: on a shared host anyone can
# connect from loopback. The web app names its browsers to the API with a header signed
# by SECRET_KEY instead (accounts/throttle.py), so web and api must share SECRET_KEY.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- Money ---------------------------------------------------------------------------------
CURRENCY = "USD"
TRANSFER_LIMIT = Decimal(env("TRANSFER_LIMIT", default="10000.00"))
DAILY_TRANSFER_LIMIT = Decimal(env("DAILY_TRANSFER_LIMIT", default="25000.00"))
# Every new customer's gift, which stays in their own accounts (README, "Welcome money"),
# and how many new customers an hour receive it.
WELCOME_DEPOSIT = Decimal(env("WELCOME_DEPOSIT", default="1000.00"))
# A transfer at or above this, or to a payee never paid before, is approved as exactly that
# payment at the identity provider (RFC 9396 authorization_details pushed with RFC 9126 PAR).
TRANSACTION_APPROVAL_THRESHOLD = Decimal(env("TRANSACTION_APPROVAL_THRESHOLD", default="1000.00"))
TRANSACTION_APPROVAL_FOR_NEW_PAYEES = env.bool("TRANSACTION_APPROVAL_FOR_NEW_PAYEES", default=True)
# A transfer at or above this needs a phishing-resistant second factor (a passkey): the API
# answers any other token with an RFC 9470 challenge naming the PAPE phishing-resistant acr.
PHISHING_RESISTANT_THRESHOLD = Decimal(env("PHISHING_RESISTANT_THRESHOLD", default="5000.00"))
# Where a customer manages their passkeys at the identity provider (linked from the Security
# page); unset: no link. Development sets it to the embedded IdP's account page.
IDP_ACCOUNT_URL = env("IDP_ACCOUNT_URL", default=None)
WELCOME_DEPOSITS_PER_HOUR = env.int("WELCOME_DEPOSITS_PER_HOUR", default=100)

# Variables marked @sensitive_variables (tokens) stay hidden on DEBUG's error page too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "fabrikam.debug.AlwaysSafeExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per event, `key=value` after the event name, so logs grep and parse alike.
    "formatters": {
        "plain": {
            "class": "fabrikam.request_log.PrintableFormatter",
            "format": "ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
    },
    "filters": {"without_query_strings": {"()": "fabrikam.request_log.WithoutQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # fabrikam.request logs every request without its query string, so runserver's own line
    # only repeats it: ERROR keeps just its 5xx lines, and the filter takes the query string
    # (an authorization code on /callback) out of those.
    "loggers": {
        "django.server": {"level": "ERROR", "filters": ["without_query_strings"]},
    },
}
