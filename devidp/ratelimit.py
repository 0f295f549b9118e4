"""Attempt limits for passwords and one-time codes (per account and per client IP) and for
sign-ups (per client IP).

An attempt is reserved *before* the expensive check, by an atomic increment that returns
the new count; past the limit it is refused without being evaluated, so twenty concurrent
guesses cost the attacker twenty reservations and buy at most the limit in evaluations.
Afterwards:

- a failure keeps its reservation: it counts against the limit;
- a success gives its client-IP reservation back (people behind one NAT must not lock each
  other out by signing in) and clears the account's counter (someone who mistyped and then
  got it right starts afresh). Only a person who knows the secret can do that;
- an attempt refused for its account gives the IP reservation back: only attempts that
  were evaluated, or refused by the IP limit itself, count against an IP;
- a right answer that cannot be used (a TOTP code already spent in its window) gives every
  reservation back and clears nothing: it was no guess, and proves no more than a success;
- a sign-up is never given back: each one counts, whatever its outcome, because a refused
  one says something about an address and a successful one creates an account.

Counters live in fixed windows in a store every process shares and a restart keeps (Redis
or the database, chosen in `counters.counter_store`). Fixed windows allow up to twice the
limit around a window boundary; the long-run rate stays at the limit. A per-account limit
lets a stranger lock an account for a window; for a demo IdP that is the right trade
against unlimited guessing, and the window is short.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from . import conf
from .counters import counter_store

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 20


@dataclass(frozen=True)
class Limit:
    scope: str  # "ip" or "account": what a success does with the reservation
    max_attempts: int
    window_seconds: int


def _limits(kind: str) -> tuple[Limit, ...]:
    """The limits an attempt of this kind must pass, the IP's first: an attempt refused for
    its IP never touches the account's counter."""
    if kind == "signup":
        return (Limit("ip", conf.app_settings.SIGNUPS_PER_HOUR, 60 * 60),)
    return (
        Limit("ip", MAX_FAILURES_PER_IP, WINDOW_SECONDS),
        Limit("account", MAX_FAILURES_PER_ACCOUNT, WINDOW_SECONDS),
    )


class RateLimited(Exception):
    """Too many attempts: refuse even a correct answer until the window ends."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        #: For messages: "wait {wait} and try again".
        self.wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        super().__init__(f"Rate limited; retry after {retry_after} seconds.")


@dataclass(frozen=True)
class Reservation:
    key: str
    limit: Limit
    window_start: int
    count: int = 0  # the window's count with this attempt in it


@dataclass(frozen=True)
class Attempt:
    """The reservations one attempt holds, to settle once its outcome is known."""

    reservations: tuple[Reservation, ...]

    @property
    def attempts_left(self) -> int | None:
        """How many more attempts the tightest limit allows in its window, should this one
        fail (it keeps its reservation): what a person is warned of before a lock-out."""
        left = [r.limit.max_attempts - r.count for r in self.reservations]
        return max(0, min(left)) if left else None


def _now() -> float:
    return time.time()


def _key(kind: str, scope: str, value: str) -> str:
    # Hash the account so the store never holds email addresses (and anything too long for
    # a key); an IP stays readable for whoever looks at the counters in the admin.
    if scope == "account" or len(value) > 64:
        value = hashlib.sha256(value.lower().encode()).hexdigest()
    return f"{kind}:{scope}:{value}"


def attempt_start(kind: str, *, ip: str, account: str | None = None) -> Attempt:
    """Reserve one attempt against every limit of `kind`, or raise RateLimited.

    Call it before checking the secret; on success call `attempt_succeeded`.
    """
    store = counter_store()
    now = _now()
    values = {"ip": ip, "account": account}
    held: list[Reservation] = []
    for limit in _limits(kind):
        if (value := values[limit.scope]) is None:
            continue
        start = int(now // limit.window_seconds) * limit.window_seconds
        key = _key(kind, limit.scope, value)
        count = store.increment(key, window_start=start, window_seconds=limit.window_seconds)
        if count > limit.max_attempts:
            for reservation in held:  # refused before being evaluated: give those back
                store.decrement(reservation.key, window_start=reservation.window_start)
            raise RateLimited(retry_after=math.ceil(start + limit.window_seconds - now))
        held.append(Reservation(key, limit, start, count))
    return Attempt(tuple(held))


def attempt_succeeded(attempt: Attempt) -> None:
    """The secret was right: release the IP's reservation and clear the account's counter."""
    store = counter_store()
    for reservation in attempt.reservations:
        if reservation.limit.scope == "account":
            store.clear(reservation.key, window_start=reservation.window_start)
        else:
            store.decrement(reservation.key, window_start=reservation.window_start)


def attempt_released(attempt: Attempt) -> None:
    """The answer was right but could not be used: the attempt counts for nothing, and the
    account's earlier failures still stand (it does not clear them as a success does)."""
    store = counter_store()
    for reservation in attempt.reservations:
        store.decrement(reservation.key, window_start=reservation.window_start)


def unlock(*, account: str | None = None, ip: str | None = None) -> None:
    """Forget the failed passwords and codes counted against an account and/or a client IP
    in the current window (`manage.py devidp_unlock`, for someone locked out of a demo)."""
    store = counter_store()
    now = _now()
    values = {"account": account, "ip": ip}
    for kind in ("password", "totp"):
        for limit in _limits(kind):
            if (value := values[limit.scope]) is not None:
                start = int(now // limit.window_seconds) * limit.window_seconds
                key = _key(kind, limit.scope, value)
                store.clear(key, window_start=start)


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites
    # it, and trusting it would let an attacker pick a fresh "IP" for every guess.
    return request.META.get("REMOTE_ADDR", "unknown")
