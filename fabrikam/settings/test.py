"""Test settings: the dev defaults with a fast password hasher."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .dev import *  # noqa: F403
from .dev import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not Django's shared in-memory database: the live-server tests serve requests
    # on several threads, and each must have a connection of its own. One file per test
    # run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"fabrikam-test-{os.getpid()}.sqlite3")
    }
