"""Development and demo settings: safe defaults so `make demo` needs no configuration."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Demo-only key: never used in production, where SECRET_KEY has no default.
SECRET_KEY = env("SECRET_KEY", default="demo-only-insecure-secret-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
