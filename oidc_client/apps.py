from __future__ import annotations

from django.apps import AppConfig


class OidcClientConfig(AppConfig):
    name = "oidc_client"
    verbose_name = "OpenID Connect web client"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the start-up checks)
