"""App configuration for the embedded demo identity provider."""

from __future__ import annotations

import logging

from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    name = "devidp"
    verbose_name = "Demo identity provider"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the start-up checks)

        # Authlib logs whole token responses at DEBUG ("Issue token ..."): keep its logger
        # above that even when LOG_LEVEL=DEBUG, so no token or code reaches the logs.
        logging.getLogger("authlib").setLevel(max(logging.INFO, logging.getLogger().level))
