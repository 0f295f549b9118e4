"""App configuration for the embedded demo identity provider."""

from __future__ import annotations

from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    name = "devidp"
    verbose_name = "Demo identity provider"
    default_auto_field = "django.db.models.BigAutoField"
