"""Test settings: the dev defaults with a fast password hasher."""

from __future__ import annotations

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
