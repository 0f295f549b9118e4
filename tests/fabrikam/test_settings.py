"""Configuration that used to fail quietly: the demo secret never reaches a real tenant."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

READ = (
    "import json, fabrikam.settings.dev as s; print(json.dumps([s.OIDC_ISSUER, "
    "s.OIDC_CLIENT_ID, s.OIDC_CLIENT_SECRET, s.API_ALLOWED_CLIENTS]))"
)


def run_settings(script: str, *, drop, **env: str):
    """Run `script` (which prints JSON last) in a fresh interpreter, with the environment's
    variables for which `drop(name)` is true removed, and `env` added."""
    clean = {k: v for k, v in os.environ.items() if not drop(k)}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings module
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def dev_settings(**env: str) -> list:
    return run_settings(READ, drop=lambda name: name.startswith(("AUTH0_", "OIDC_")), **env)


def test_the_embedded_idp_gets_the_demo_client_by_default():
    issuer, client_id, secret, allowed = dev_settings()
    assert issuer == "http://localhost:8000/idp"
    assert (client_id, secret) == ("fabrikam-web", "demo-only-fabrikam-web-secret")
    # ... and the assistant's CIBA client (make assistant-pay), with its demo-only secret.
    assert allowed == {"transfer:funds": ["fabrikam-web", "fabrikam-assistant"]}


@pytest.mark.parametrize(
    "env",
    [{"AUTH0_DOMAIN": "fabrikam.eu.auth0.com"}, {"OIDC_ISSUER": "https://op.example/"}],
    ids=["auth0", "any-issuer"],
)
def test_a_real_tenant_is_never_sent_the_demo_secret(env):
    issuer, client_id, secret, _ = dev_settings(**env)
    assert issuer.startswith("https://")
    assert client_id is None and secret is None  # and manage.py check says so (E002)


def test_the_generic_names_win_over_auth0s():
    _, client_id, secret, allowed = dev_settings(
        AUTH0_DOMAIN="fabrikam.eu.auth0.com",
        AUTH0_CLIENT_ID="auth0-name",
        OIDC_CLIENT_ID="generic-name",
        OIDC_CLIENT_SECRET="s3cret",
    )
    assert (client_id, secret) == ("generic-name", "s3cret")
    assert allowed == {"transfer:funds": ["generic-name"]}


EVERY_SETTING = (
    "import json, fabrikam.settings.dev as s; "
    "print(json.dumps({k: repr(getattr(s, k)) for k in dir(s) if k.isupper()}))"
)


def settings_with(prelude: str, **env: str) -> dict:
    """Every dev setting, read in a fresh interpreter after `prelude`, with the variables
    .env.example names removed from the environment so the defaults show."""
    example = (settings.BASE_DIR / ".env.example").read_text()
    named = {line.split("=", 1)[0].lstrip("# ") for line in example.splitlines() if "=" in line}
    return run_settings(prelude + EVERY_SETTING, drop=named.__contains__, **env)


def test_env_example_copied_as_it_is_gives_the_same_demo_as_no_env_file():
    # What copying it to .env does: django-environ's own reader, before the settings load.
    copied = settings_with("import environ; environ.Env.read_env('.env.example'); ")

    assert copied == settings_with("")
    assert copied["DEBUG"] == "True" and "'localhost'" in copied["ALLOWED_HOSTS"]


def test_an_empty_variable_counts_as_unset():
    empty = settings_with("", DATABASE_URL="", DEBUG="", ALLOWED_HOSTS="", SECRET_KEY="")

    assert empty == settings_with("")  # not KeyError 'ENGINE', not DEBUG=False


def test_the_demo_issuer_and_redirect_uris_follow_site_url():
    moved = settings_with("", SITE_URL="http://localhost:8200")

    assert moved["DEVIDP_ISSUER"] == "'http://localhost:8200/idp'"
    assert moved["OIDC_ISSUER"] == "'http://localhost:8200/idp'"
    assert moved["DEVIDP_REDIRECT_URIS"] == "['http://localhost:8200/callback']"
    assert moved["DEVIDP_POST_LOGOUT_REDIRECT_URIS"] == "['http://localhost:8200/']"


def test_two_demos_on_one_machine_name_their_cookies_apart():
    """Browsers keep cookies apart by host, not by port: each demo's names carry its port."""
    here, there = settings_with(""), settings_with("", SITE_URL="http://localhost:8491")

    names = ("SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "DEVIDP_SESSION_COOKIE_NAME")
    assert [here[name] for name in names] == [
        "'fabrikam_session_8000'",
        "'csrftoken_8000'",
        "'devidp_session_8000'",
    ]
    assert [there[name] for name in names] == [
        "'fabrikam_session_8491'",
        "'csrftoken_8491'",
        "'devidp_session_8491'",
    ]
