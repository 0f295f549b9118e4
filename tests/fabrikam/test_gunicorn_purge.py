"""`make serve` purges spent tokens by itself: gunicorn.conf.py's hook, with
PURGE_SPENT_TOKENS_EVERY set, runs `manage.py purge_spent_tokens` while the server runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from api_auth.models import SpentToken

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PORT = 8325


def spent(key: str, *, expires_in: timedelta) -> SpentToken:
    return SpentToken.objects.create(
        key=key,
        sub="test|alice",
        request_fingerprint="0" * 64,
        response_status=201,
        response_content_type="application/json",
        response_body="{}",
        expires_at=timezone.now() + expires_in,
    )


def test_the_server_forgets_expired_spent_tokens_while_it_runs():
    spent("jti:expired", expires_in=timedelta(minutes=-1))
    spent("jti:still-replayable", expires_in=timedelta(minutes=10))
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fabrikam.settings.dev",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        + database["NAME"],  # the test database, which the server shares
        "PURGE_SPENT_TOKENS_EVERY": "1",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{PORT}"]
    server = subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603
    try:
        deadline = time.monotonic() + 90  # a busy machine starts Django slowly
        while SpentToken.objects.filter(key="jti:expired").exists():
            assert time.monotonic() < deadline, "the expired record was never purged"
            assert server.poll() is None, "gunicorn stopped"
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert list(SpentToken.objects.values_list("key", flat=True)) == ["jti:still-replayable"]
