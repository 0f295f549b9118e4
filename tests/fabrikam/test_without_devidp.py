"""Deleting the demo IdP's folder, and nothing else, leaves a site that starts and says that
sign-in is not configured (instead of an ImportError at start-up)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

SCRIPT = """
import django, json
django.setup()
from django.test import Client
client = Client()
login = client.get("/login")
home = client.get("/")
print(json.dumps({
    "login": [login.status_code, login.content.decode()],
    "home": home.status_code,
}))
"""


def test_the_site_runs_without_the_devidp_folder(tmp_path: Path):
    root = Path(settings.BASE_DIR)
    site = tmp_path / "site"
    shutil.copytree(
        root,
        site,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "devidp", "tests", "scripts", "docs", "__pycache__", "*.sqlite3"
        ),
    )
    assert not (site / "devidp").exists()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "DEVIDP_", "OIDC_", "AUTH0_"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "fabrikam.settings.dev", "PYTHONPATH": str(site)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, *args], cwd=site, env=env, capture_output=True, text=True, timeout=120
        )

    check = run("manage.py", "check")
    assert check.returncode == 0, check.stderr
    assert "oidc_client.W001" in check.stdout + check.stderr  # "sign-in is not configured"
    assert "api_auth.W002" in check.stdout + check.stderr
    migrate = run("manage.py", "migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stderr

    pages = json.loads(run("-c", SCRIPT).stdout.strip().splitlines()[-1])

    status, body = pages["login"]
    assert status == 503
    assert "Sign-in is not configured" in body
    assert pages["home"] == 200  # the landing page still works
