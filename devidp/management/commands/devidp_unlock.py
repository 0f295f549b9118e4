"""Lift a lock-out: forget a user's failed passwords and codes (and, with --ip, a client IP's),
so a demo can go on without waiting for the rate-limit window to end."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from devidp import ratelimit


class Command(BaseCommand):
    help = "Forget the failed sign-in attempts counted against a demo IdP user (and client IPs)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--ip",
            action="append",
            default=[],
            help="Also forget this client IP's failures (repeatable), e.g. 127.0.0.1",
        )

    def handle(self, *args, email: str, ip: list[str], **options) -> None:
        account = email.strip().lower()
        ratelimit.unlock(account=account)
        for address in ip:
            ratelimit.unlock(ip=address)
        unlocked = ", ".join([account, *ip])
        self.stdout.write(f"Unlocked {unlocked}: failed attempts forgotten.")
