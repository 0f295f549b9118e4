"""`manage.py purge_spent_tokens`: run it from a scheduler (cron, a compose service)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ...single_use import spent_tokens_purge


class Command(BaseCommand):
    help = "Delete spent single-use token records that can no longer be replayed."

    def handle(self, *args, **options) -> None:
        deleted = spent_tokens_purge()
        self.stdout.write(f"Purged {deleted} spent token record(s).")
