"""Forget spent transfer tokens that have expired (the API also does this now and then)."""

from django.core.management.base import BaseCommand

from transfers.tokens import consumed_tokens_purge


class Command(BaseCommand):
    help = "Delete consumed-token records whose tokens have expired."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Purged {consumed_tokens_purge()} expired token record(s).")
