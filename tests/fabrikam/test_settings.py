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


def dev_settings(**env: str) -> list:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH0_", "OIDC_"))}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings module
        [sys.executable, "-c", READ],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_embedded_idp_gets_the_demo_client_by_default():
    issuer, client_id, secret, allowed = dev_settings()
    assert issuer == "http://localhost:8000/idp"
    assert (client_id, secret) == ("fabrikam-web", "demo-only-fabrikam-web-secret")
    assert allowed == {"transfer:funds": ["fabrikam-web"]}


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
