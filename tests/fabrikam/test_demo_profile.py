"""`make demo PROFILE=fapi2`: one switch puts the web client, the API and the embedded IdP
in FAPI 2.0, with the web client's demo-only key made once into an ignored folder; without
PROFILE the demo is today's, untouched."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.journey import profile_settings

BASE_DIR = Path(settings.BASE_DIR)
PRIVATE = "web-client.demo-only.private.jwk"
PUBLIC = "web-client.demo-only.public.jwks.json"
# Variables a developer's shell (or .env) may hold that would change what is derived here.
PROFILE_VARIABLES = (
    "FABRIKAM_PROFILE",
    "DEMO_KEYS_DIR",
    "OIDC_PROFILE",
    "API_PROFILE",
    "DEVIDP_PROFILE",
    "OIDC_CLIENT_AUTH_METHOD",
    "OIDC_CLIENT_KEY",
    "OIDC_CLIENT_KEY_FILE",
    "OIDC_REDIRECT_URI",
    "SITE_URL",
    "MAKEFLAGS",
)


def clean_environment(**env: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if k not in PROFILE_VARIABLES}
    return {**kept, **env}


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(tmp_path: Path, *args: str) -> list[str]:
    """Run make with a stand-in for manage.py that prints the profile it was started with."""
    manage = tmp_path / "manage"
    manage.write_text(
        '#!/bin/sh\necho "manage $1 FABRIKAM_PROFILE=${FABRIKAM_PROFILE-unset}'
        ' DEMO_KEYS_DIR=$DEMO_KEYS_DIR"\n'
    )
    manage.chmod(0o755)
    command = ["make", "-s", "-o", "install", "-o", "migrate", *args, f"MANAGE={manage}"]
    done = subprocess.run(  # noqa: S603
        [*command, f"PY={sys.executable}"],
        cwd=BASE_DIR,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if line.startswith("manage ")]


@needs_make
def test_make_demo_profile_fapi2_makes_the_demo_key_once_and_tells_the_seed_and_server(tmp_path):
    keys = tmp_path / "keys"

    lines = make(tmp_path, "demo", "PROFILE=fapi2", f"DEMO_KEYS={keys}")
    private = (keys / PRIVATE).read_text()
    public = json.loads((keys / PUBLIC).read_text())
    make(tmp_path, "demo", "PROFILE=fapi2", f"DEMO_KEYS={keys}")

    assert lines[0] == f"manage seed_demo FABRIKAM_PROFILE=fapi2 DEMO_KEYS_DIR={keys}"
    assert lines[-1] == f"manage runserver FABRIKAM_PROFILE=fapi2 DEMO_KEYS_DIR={keys}"
    assert (keys / PRIVATE).read_text() == private  # a second run keeps the key
    assert stat.S_IMODE((keys / PRIVATE).stat().st_mode) == 0o600
    assert "d" in json.loads(private)  # the private half, for the web client alone
    [published] = public["keys"]
    assert "d" not in published and published["kid"] == json.loads(private)["kid"]
    assert "demo-only" in (keys / "README").read_text().lower()


@needs_make
def test_make_demo_without_a_profile_is_todays_demo_and_makes_no_key(tmp_path):
    keys = tmp_path / "keys"

    lines = make(tmp_path, "demo", f"DEMO_KEYS={keys}")

    assert lines[0].startswith("manage seed_demo FABRIKAM_PROFILE=unset ")
    assert not keys.exists()


def test_the_demo_keys_folder_is_ignored_by_git():
    if shutil.which("git") is None or not (BASE_DIR / ".git").exists():
        pytest.skip("needs git and a checkout")
    ignored = subprocess.run(  # noqa: S603
        ["git", "check-ignore", "-q", f"var/demo-keys/{PRIVATE}"],  # noqa: S607
        cwd=BASE_DIR,
    )
    assert ignored.returncode == 0


READ = (
    "import json, fabrikam.settings.dev as s; print(json.dumps({k: getattr(s, k, None) for k in "
    "['OIDC_PROFILE', 'API_PROFILE', 'DEVIDP_PROFILE', 'OIDC_CLIENT_AUTH_METHOD', "
    "'OIDC_CLIENT_KEY_FILE', 'OIDC_REDIRECT_URI', 'DEVIDP_CLIENT_JWKS', 'API_EXTERNAL_URL', "
    "'ASSISTANT_CLIENT_KEY_FILE', 'DEVIDP_ASSISTANT_CLIENT_JWKS']}))"
)


def dev_settings(**env: str) -> dict:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ],
        cwd=BASE_DIR,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def demo_keys(tmp_path) -> Path:
    keys = tmp_path / "keys"
    subprocess.run([sys.executable, "scripts/demo_keys.py", str(keys)], cwd=BASE_DIR, check=True)  # noqa: S603
    return keys


def test_fapi2_sets_every_apps_profile_the_demo_key_and_the_redirect_uri(demo_keys):
    derived = dev_settings(
        FABRIKAM_PROFILE="fapi2", DEMO_KEYS_DIR=str(demo_keys), SITE_URL="http://localhost:8200"
    )

    assert (derived["OIDC_PROFILE"], derived["API_PROFILE"], derived["DEVIDP_PROFILE"]) == (
        "fapi2",
        "fapi2",
        "fapi2",
    )
    assert derived["OIDC_CLIENT_AUTH_METHOD"] == "private_key_jwt"
    assert derived["OIDC_CLIENT_KEY_FILE"] == str(demo_keys / PRIVATE)
    assert derived["OIDC_REDIRECT_URI"] == "http://localhost:8200/callback"
    # Registered inline at the embedded IdP: the public half only.
    assert derived["DEVIDP_CLIENT_JWKS"] == json.loads((demo_keys / PUBLIC).read_text())
    # The assistant (CIBA, `make assistant-pay`) signs its assertions with a key of its own.
    assistant_private = demo_keys / "assistant.demo-only.private.jwk"
    assert derived["ASSISTANT_CLIENT_KEY_FILE"] == str(assistant_private)
    assert derived["DEVIDP_ASSISTANT_CLIENT_JWKS"] == json.loads(
        (demo_keys / "assistant.demo-only.public.jwks.json").read_text()
    )
    assert stat.S_IMODE(assistant_private.stat().st_mode) == 0o600
    assert derived["DEVIDP_ASSISTANT_CLIENT_JWKS"] != derived["DEVIDP_CLIENT_JWKS"]
    # The journeys switch the same settings the demo does.
    journeys = profile_settings("fapi2", "http://localhost:8200")
    for name in ("OIDC_PROFILE", "API_PROFILE", "DEVIDP_PROFILE", "OIDC_CLIENT_AUTH_METHOD"):
        assert derived[name] == journeys[name]


def test_without_a_profile_every_app_keeps_todays(demo_keys):
    derived = dev_settings(DEMO_KEYS_DIR=str(demo_keys))

    assert (derived["OIDC_PROFILE"], derived["API_PROFILE"], derived["DEVIDP_PROFILE"]) == (
        "oidc",
        "bearer",
        "oidc",
    )
    assert derived["OIDC_CLIENT_AUTH_METHOD"] is None
    assert derived["OIDC_CLIENT_KEY_FILE"] is None and derived["OIDC_REDIRECT_URI"] is None
    journeys = profile_settings("oidc", "http://localhost:8000")
    for name in ("OIDC_PROFILE", "API_PROFILE", "DEVIDP_PROFILE", "OIDC_CLIENT_AUTH_METHOD"):
        assert derived[name] == journeys[name]


def test_each_apps_own_variable_wins_over_the_demo_profile(demo_keys):
    derived = dev_settings(
        FABRIKAM_PROFILE="fapi2", DEMO_KEYS_DIR=str(demo_keys), API_PROFILE="bearer"
    )

    assert (derived["OIDC_PROFILE"], derived["API_PROFILE"]) == ("fapi2", "bearer")


def manage_check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean_environment(DJANGO_SETTINGS_MODULE="fabrikam.settings.dev", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_fapi2_demo_settings_pass_the_start_up_checks(demo_keys):
    checked = manage_check(FABRIKAM_PROFILE="fapi2", DEMO_KEYS_DIR=str(demo_keys))

    assert checked.returncode == 0, checked.stderr[-2000:]


def test_without_its_key_the_fapi2_demo_says_which_setting_is_missing(tmp_path):
    checked = manage_check(FABRIKAM_PROFILE="fapi2", DEMO_KEYS_DIR=str(tmp_path / "none"))

    assert checked.returncode != 0
    assert "OIDC_CLIENT_KEY_FILE cannot be read" in checked.stderr


@needs_make
def test_the_key_is_made_before_migrate_runs_the_start_up_checks():
    planned = subprocess.run(
        ["make", "-n", "-o", "install", "demo", "PROFILE=fapi2"],  # noqa: S607
        cwd=BASE_DIR,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()

    steps = [line for line in planned if "demo_keys.py" in line or "manage.py migrate" in line]
    assert "demo_keys.py" in steps[0] and "manage.py migrate" in steps[1]
