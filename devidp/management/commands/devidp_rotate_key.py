"""Start signing with a new key; the old one stays in the JWKS until its tokens expire."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from devidp.keys import PUBLISH_RETIRED_KEYS_FOR, signing_key_rotate


class Command(BaseCommand):
    help = "Rotate the demo IdP's token signing key."

    def handle(self, *args, **options) -> None:
        key = signing_key_rotate()
        self.stdout.write(
            self.style.SUCCESS(
                f"Now signing with kid {key.kid}; retired keys stay published for "
                f"{PUBLISH_RETIRED_KEYS_FOR}."
            )
        )
