"""Print a user's current TOTP code, so people and tests can pass MFA without a phone."""

from __future__ import annotations

import pyotp
from django.core.management.base import BaseCommand, CommandError

from devidp.models import IdpUser


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo IdP user."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        user = IdpUser.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No demo IdP user with email {email!r}.")
        if not user.has_totp:
            raise CommandError(f"{email} has not enrolled an authenticator yet.")
        self.stdout.write(pyotp.TOTP(user.totp_secret).now())
