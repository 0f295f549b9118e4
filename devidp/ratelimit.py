"""Failed-attempt limits for passwords and one-time codes, per account and per client IP.

Fixed windows in the Django cache: simple, shared between processes when REDIS_URL is set.
A per-account limit lets a stranger lock an account for one window; for a demo IdP that is
the right trade against unlimited guessing, and the window is short.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 20


class RateLimited(Exception):
    """Too many failures: refuse even a correct answer until the window ends."""

    def __init__(self) -> None:
        minutes = WINDOW_SECONDS // 60
        super().__init__(
            f"Too many failed attempts. For your security, wait {minutes} minutes and try again."
        )


def _keys(kind: str, account: str, ip: str) -> list[tuple[str, int]]:
    # Hash the account so the cache never holds email addresses.
    account_id = hashlib.sha256(account.lower().encode()).hexdigest()
    return [
        (f"devidp:fail:{kind}:account:{account_id}", MAX_FAILURES_PER_ACCOUNT),
        (f"devidp:fail:{kind}:ip:{ip}", MAX_FAILURES_PER_IP),
    ]


def check(kind: str, *, account: str, ip: str) -> None:
    """Raise RateLimited if either the account or the IP has used up its failures."""
    for key, limit in _keys(kind, account, ip):
        if cache.get(key, 0) >= limit:
            raise RateLimited()


def record_failure(kind: str, *, account: str, ip: str) -> None:
    for key, _limit in _keys(kind, account, ip):
        # add() starts the window; incr() never extends it.
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, WINDOW_SECONDS)


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites
    # it, and trusting it would let an attacker pick a fresh "IP" for every guess.
    return request.META.get("REMOTE_ADDR", "unknown")
