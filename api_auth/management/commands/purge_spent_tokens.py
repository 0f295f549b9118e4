"""`manage.py purge_spent_tokens`: run it from a scheduler (cron, a compose service)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ...dpop import seen_proofs_purge
from ...single_use import spent_tokens_purge


class Command(BaseCommand):
    help = "Delete spent-token and seen-DPoP-proof records that can no longer be replayed."

    def handle(self, *args, **options) -> None:
        deleted = spent_tokens_purge()
        self.stdout.write(f"Purged {deleted} spent token record(s).")
        self.stdout.write(f"Purged {seen_proofs_purge()} DPoP proof record(s).")
