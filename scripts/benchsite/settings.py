"""The dev settings, with the benchmark's URLconf on top of the site's."""

from __future__ import annotations

from fabrikam.settings.dev import *  # noqa: F403

ROOT_URLCONF = "scripts.benchsite.urls"
