"""`make demo PORT=N HOST=h`: the seed and the server both see the address the demo is opened
at, and the demo runs with DEBUG off so it shows the site's own error pages."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(tmp_path: Path, *args: str, **env: str) -> list[str]:
    """Run make with a stand-in for manage.py that prints what it was started with."""
    manage = tmp_path / "manage"
    manage.write_text('#!/bin/sh\necho "manage $* SITE_URL=$SITE_URL DEBUG=$DEBUG"\n')
    manage.chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DEBUG", "MAKEFLAGS")}
    done = subprocess.run(  # noqa: S603
        ["make", "-s", "-o", "install", "-o", "migrate", *args, f"MANAGE={manage}"],  # noqa: S607
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if line.startswith("manage ")]


def test_make_demo_port_moves_the_seed_and_the_server(tmp_path):
    lines = make(tmp_path, "demo", "PORT=8200")

    assert lines[0] == "manage seed_demo SITE_URL=http://localhost:8200 DEBUG=false"
    assert lines[-1] == "manage runserver localhost:8200 SITE_URL=http://localhost:8200 DEBUG=false"


def test_make_demo_host_and_debug_can_be_chosen(tmp_path):
    lines = make(tmp_path, "demo", "HOST=127.0.0.1", DEBUG="true")

    assert lines[-1] == "manage runserver 127.0.0.1:8000 SITE_URL=http://127.0.0.1:8000 DEBUG=true"
