"""Register the web app's client and the demo users in the demo IdP (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from devidp import conf
from devidp.seed import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create or update the demo IdP's client and demo users from settings (idempotent)."

    def handle(self, *args, **options) -> None:
        client, users = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo IdP ready at {conf.app_settings.ISSUER}"))
        self.stdout.write(f"  client {client.client_id}: redirect URIs {client.redirect_uris!r}")
        self.stdout.write(
            f"  client {conf.app_settings.ASSISTANT_CLIENT_ID}: CIBA only (make assistant-pay)"
        )
        self.stdout.write(f"  demo users (password {DEMO_PASSWORD}):")
        for user in users:
            self.stdout.write(f"    {user.email:<26} {user.name}")
        self.stdout.write("  one-time codes: make totp USER=alice@fabrikam.example")
