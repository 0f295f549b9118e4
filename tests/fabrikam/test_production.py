"""Production settings pass Django's deployment checklist, and every response carries the
security headers (CSP, frame, referrer) in dev too."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from fabrikam import csp


def test_check_deploy_reports_nothing_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fabrikam.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "bank.example",
        "SITE_URL": "https://bank.example",
        # Both apps' start-up checks insist on an issuer (see test_settings_checks.py).
        "AUTH0_DOMAIN": "fabrikam.eu.auth0.com",
        "AUTH0_CLIENT_ID": "prod-client",
        "AUTH0_CLIENT_SECRET": secrets.token_urlsafe(32),
        "API_CLAIM_NAMESPACE": "https://fabrikam.example/",  # where Auth0's Action puts amr
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set while the browser tests run

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fabrikam.settings.production"}
    env.pop("SECRET_KEY", None)
    env["ALLOWED_HOSTS"] = "bank.example"

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_refuse_a_web_process_without_an_api_address():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fabrikam.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "bank.example",
    }
    for name in ("SITE_URL", "API_BASE_URL", "FABRIKAM_ROLES"):
        env.pop(name, None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "Set API_BASE_URL" in result.stderr


@pytest.mark.django_db
def test_every_page_carries_a_strict_policy_and_refuses_framing(client):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_forms_may_lead_to_the_issuer_and_to_the_idp_clients_only(settings):
    settings.OIDC_ISSUER = "https://fabrikam.eu.auth0.com/"
    settings.DEVIDP_REDIRECT_URIS = ["http://localhost:8210/callback"]
    settings.DEVIDP_POST_LOGOUT_REDIRECT_URIS = ["http://localhost:8210/"]
    settings.CSP_FORM_ACTION = ["https://extra.example/anything"]

    form_action = next(d for d in csp.policy().split("; ") if d.startswith("form-action"))

    assert form_action.split() == [
        "form-action",
        "'self'",
        "http://localhost:8210",
        "https://extra.example",
        "https://fabrikam.eu.auth0.com",
    ]


def test_production_cookies_are_host_only_and_secure_by_name():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fabrikam.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "bank.example",
        "SITE_URL": "https://bank.example",
        "DEVIDP_ENABLED": "true",
        "DEVIDP_ISSUER": "https://bank.example/idp",
        "DEVIDP_CLIENT_SECRET": secrets.token_urlsafe(32),
        "DEVIDP_REDIRECT_URIS": "https://bank.example/callback",
        "DEVIDP_POST_LOGOUT_REDIRECT_URIS": "https://bank.example/",
    }
    script = (
        "import fabrikam.settings.production as s; print(s.SESSION_COOKIE_NAME, "
        "s.CSRF_COOKIE_NAME, s.DEVIDP_SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE)"
    )

    result = subprocess.run(  # noqa: S603 - our own interpreter and settings module
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "__Host-fabrikam_session",
        "__Host-csrftoken",
        "__Secure-devidp_session",
        "True",
        "True",
    ]
