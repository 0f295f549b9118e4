from __future__ import annotations

from django.apps import AppConfig


class ApiAuthConfig(AppConfig):
    name = "api_auth"
    verbose_name = "API guard (access tokens)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the start-up checks)
