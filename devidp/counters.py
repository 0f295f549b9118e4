"""Shared attempt counters for the rate limits: one atomic increment that returns the count.

Redis when the default cache is Django's Redis backend (its INCR is atomic and every process
sees it); otherwise the database. Never the local-memory cache: it is per process, so each
worker would have its own limit, and a restart would clear every lock.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from typing import Protocol

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When

from .models import AttemptCounter

CACHE_ALIAS = "default"


class Counters(Protocol):
    """Counters in fixed windows: a window starts at a multiple of its length (epoch seconds)."""

    def increment(self, key: str, *, window_start: int, window_seconds: int) -> int:
        """Add one attempt to the window and return the window's new count, atomically."""

    def decrement(self, key: str, *, window_start: int) -> None:
        """Give back one attempt, if that window is still the current one."""

    def clear(self, key: str, *, window_start: int) -> None:
        """Forget the key's attempts in that window (earlier windows no longer count)."""


class CacheCounters:
    """Counters in Django's Redis cache: one cache entry per key and window."""

    def __init__(self, cache: RedisCache):
        self.cache = cache

    @staticmethod
    def _name(key: str, window_start: int) -> str:
        # The window is part of the name, so a late decrement or an entry that lost its
        # expiry can only ever touch a window that is already over.
        return f"devidp:attempts:{key}:{window_start}"

    def increment(self, key: str, *, window_start: int, window_seconds: int) -> int:
        name = self._name(key, window_start)
        # Expire a minute after the window ends: clocks of two processes may differ a little.
        timeout = window_seconds + 60
        for _ in range(5):
            if self.cache.add(name, 1, timeout):  # the first attempt of this window
                return 1
            try:
                return self.cache.incr(name)
            except ValueError:  # reset (a success) or evicted between add() and incr()
                continue
        raise RuntimeError("The rate-limit counter keeps disappearing from the cache.")

    def decrement(self, key: str, *, window_start: int) -> None:
        # The window is over and its entry gone: nothing to give back.
        with suppress(ValueError):
            self.cache.decr(self._name(key, window_start))

    def clear(self, key: str, *, window_start: int) -> None:
        self.cache.delete(self._name(key, window_start))


class DatabaseCounters:
    """Counters in the `AttemptCounter` table: one row per key, reset when a new window starts.

    Each increment is one UPDATE that computes the new count in the database, followed, in
    the same transaction, by reading it back: the UPDATE holds the row (PostgreSQL) or the
    database (SQLite) until commit, so no other request changes it in between. Inside a
    request-wide transaction (ATOMIC_REQUESTS, off in Fabrikam) that lock would last until
    the response: still correct, but attempts on one account would queue.
    """

    def increment(self, key: str, *, window_start: int, window_seconds: int) -> int:
        start = datetime.fromtimestamp(window_start, tz=UTC)
        same_window = Q(window_start__gte=start)  # a newer window (clock skew) counts as ours
        for _ in range(2):
            with transaction.atomic():
                updated = AttemptCounter.objects.filter(key=key).update(
                    count=Case(When(same_window, then=F("count") + 1), default=Value(1)),
                    window_start=Case(When(same_window, then=F("window_start")), default=start),
                )
                if updated:
                    return AttemptCounter.objects.values_list("count", flat=True).get(key=key)
                try:
                    with transaction.atomic():
                        AttemptCounter.objects.create(key=key, window_start=start, count=1)
                    return 1
                except IntegrityError:  # another request created the row first: update it
                    continue
        raise RuntimeError("Could not count an attempt.")

    def decrement(self, key: str, *, window_start: int) -> None:
        start = datetime.fromtimestamp(window_start, tz=UTC)
        AttemptCounter.objects.filter(key=key, window_start=start, count__gt=0).update(
            count=F("count") - 1
        )

    def clear(self, key: str, *, window_start: int) -> None:
        AttemptCounter.objects.filter(key=key).delete()


def counter_store() -> Counters:
    """The one place that decides where counters live."""
    cache = caches[CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        return CacheCounters(cache)
    return DatabaseCounters()
