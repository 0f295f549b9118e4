"""Rate limits that hold under concurrency and survive a restart, in both counter stores."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections

from devidp import counters, factors, ratelimit
from devidp.housekeeping import expired_rows_delete
from devidp.models import AttemptCounter, IdpUser
from devidp.seed import DEMO_PASSWORD, demo_seed

from .conftest import in_threads, totp_code

pytestmark = pytest.mark.django_db(transaction=True)

IP = "203.0.113.7"
LIMIT = ratelimit.MAX_FAILURES_PER_ACCOUNT
# Inside one window, whatever the clock says while the test runs.
FROZEN_NOW = 1_800_000_000.0 + 60


def redis_store() -> counters.CacheCounters:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("set REDIS_URL=redis://127.0.0.1:6379/5 to test the Redis counters")
    return counters.CacheCounters(RedisCache(url, {}))


@pytest.fixture(params=["database", "redis"])
def store(request, monkeypatch) -> counters.Counters:
    chosen: counters.Counters = counters.DatabaseCounters()
    if request.param == "redis":
        redis = redis_store()
        redis.cache.clear()
        request.addfinalizer(redis.cache.clear)
        chosen = redis
    monkeypatch.setattr(ratelimit, "counter_store", lambda: chosen)
    monkeypatch.setattr(ratelimit, "_now", lambda: FROZEN_NOW)
    return chosen


@pytest.fixture
def alice(db) -> IdpUser:
    demo_seed()
    return IdpUser.objects.get(sub="devidp|alice")


def counting(monkeypatch, owner, name: str) -> list[int]:
    """Count the calls to owner.name, each slowed down so that the requests overlap."""
    calls: list[int] = []
    original = getattr(owner, name)

    def slow(*args, **kwargs):
        calls.append(1)
        time.sleep(0.05)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)
    return calls


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except factors.AuthenticationFailed as exc:
        return "limited" if "Too many" in str(exc) else "wrong"
    return "ok"


def wrong_password(email: str, ip: str = IP) -> str:
    return outcome(lambda: factors.password_authenticate(email=email, password="nope", ip=ip))


def right_password(email: str, ip: str = IP) -> str:
    return outcome(
        lambda: factors.password_authenticate(email=email, password=DEMO_PASSWORD, ip=ip)
    )


def test_twenty_concurrent_wrong_passwords_are_checked_at_most_limit_times(
    store, alice, monkeypatch
):
    checks = counting(monkeypatch, IdpUser, "check_password")

    results = in_threads(lambda i: wrong_password(alice.email))

    assert len(checks) == LIMIT
    assert sorted(results) == ["limited"] * (20 - LIMIT) + ["wrong"] * LIMIT


def test_guesses_at_an_unknown_account_are_limited_the_same_way(store, alice, monkeypatch):
    hashes = counting(monkeypatch, factors, "make_password")

    results = in_threads(lambda i: wrong_password("nobody@fabrikam.example"))

    assert len(hashes) == LIMIT
    assert results.count("limited") == 20 - LIMIT


def test_spelling_an_address_differently_does_not_buy_more_guesses(store, alice):
    spellings = ["ALICE@fabrikam.example", " alice@FABRIKAM.example ", "Alice@Fabrikam.Example"]
    for n in range(LIMIT):
        assert wrong_password(spellings[n % len(spellings)]) == "wrong"
    assert right_password("alice@fabrikam.example") == "limited"


def test_twenty_concurrent_wrong_totp_codes_are_checked_at_most_limit_times(
    store, alice, monkeypatch
):
    checks = counting(monkeypatch, factors, "_matching_step")

    def guess(i: int) -> str:
        code = f"{i:06d}"
        return outcome(lambda: factors.totp_verify(user=alice, code=code, ip=IP))

    results = in_threads(guess)

    assert len(checks) == LIMIT
    assert results.count("limited") == 20 - LIMIT
    assert outcome(lambda: factors.totp_verify(user=alice, code=totp_code(alice), ip=IP)) == (
        "limited"
    )


def test_a_lock_survives_a_restart(store, alice, monkeypatch):
    for _ in range(LIMIT):
        wrong_password(alice.email)

    # A restart: what the process held in memory (a local cache, connections) is gone;
    # Redis and the database are not.
    if not isinstance(caches["default"], RedisCache):
        caches["default"].clear()
    connections.close_all()
    if isinstance(store, counters.CacheCounters):
        fresh = counters.CacheCounters(RedisCache(os.environ["REDIS_URL"], {}))
        monkeypatch.setattr(ratelimit, "counter_store", lambda: fresh)

    assert right_password(alice.email) == "limited"


def test_a_lock_ends_with_its_window(store, alice, monkeypatch):
    for _ in range(LIMIT):
        wrong_password(alice.email)
    monkeypatch.setattr(ratelimit, "_now", lambda: FROZEN_NOW + ratelimit.WINDOW_SECONDS)

    assert right_password(alice.email) == "ok"


def test_the_refusal_says_how_long_to_wait(store, alice):
    for _ in range(LIMIT):
        wrong_password(alice.email)

    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.attempt_start("password", ip=IP, account=alice.email)

    assert refused.value.retry_after == ratelimit.WINDOW_SECONDS - 60
    assert refused.value.wait == "14 minutes"


def test_a_success_clears_the_accounts_earlier_failures(store, alice):
    for _ in range(LIMIT - 1):
        wrong_password(alice.email)
    assert right_password(alice.email) == "ok"

    assert [wrong_password(alice.email) for _ in range(LIMIT)] == ["wrong"] * LIMIT
    assert right_password(alice.email) == "limited"


def test_successful_sign_ins_do_not_use_up_a_shared_ip(store, alice):
    for _ in range(ratelimit.MAX_FAILURES_PER_IP + 5):
        assert right_password(alice.email) == "ok"


def test_guesses_refused_for_a_locked_account_do_not_use_up_the_ip(store, alice):
    for _ in range(LIMIT + ratelimit.MAX_FAILURES_PER_IP):
        wrong_password(alice.email)

    assert right_password("bob@fabrikam.example") == "ok"


def test_the_ip_limit_holds_across_accounts(store, alice):
    for n in range(ratelimit.MAX_FAILURES_PER_IP):
        assert wrong_password(f"nobody{n}@fabrikam.example") == "wrong"

    assert right_password("bob@fabrikam.example") == "limited"
    assert right_password("bob@fabrikam.example", ip="198.51.100.1") == "ok"


def test_fifty_concurrent_increments_return_fifty_distinct_counts(store):
    def increment(i: int) -> int:
        return store.increment("test:key", window_start=1_800_000_000, window_seconds=900)

    assert sorted(in_threads(increment, n=50)) == list(range(1, 51))


def test_a_new_window_starts_the_count_again(store):
    store.increment("test:key", window_start=900, window_seconds=900)
    store.increment("test:key", window_start=900, window_seconds=900)

    assert store.increment("test:key", window_start=1800, window_seconds=900) == 1


def test_the_database_keeps_one_row_per_key():
    store = counters.DatabaseCounters()
    for start in (900, 900, 1800, 2700):
        store.increment("test:key", window_start=start, window_seconds=900)

    row = AttemptCounter.objects.get()
    assert (row.key, row.count, int(row.window_start.timestamp())) == ("test:key", 1, 2700)


def test_redis_is_used_when_it_is_the_cache_and_the_database_otherwise(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
        }
    }
    assert isinstance(counters.counter_store(), counters.CacheCounters)

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert isinstance(counters.counter_store(), counters.DatabaseCounters)


def test_an_odd_client_address_still_gets_a_counter_of_its_own(store, alice):
    odd_ip = "x" * 500
    for _ in range(ratelimit.MAX_FAILURES_PER_IP):
        wrong_password(f"n{_}@fabrikam.example", ip=odd_ip)

    assert right_password("bob@fabrikam.example", ip=odd_ip) == "limited"
    assert right_password("bob@fabrikam.example") == "ok"


def test_housekeeping_forgets_counters_from_past_days():
    store = counters.DatabaseCounters()
    store.increment("test:old", window_start=900, window_seconds=900)
    store.increment("test:new", window_start=int(time.time()), window_seconds=900)

    expired_rows_delete()

    assert list(AttemptCounter.objects.values_list("key", flat=True)) == ["test:new"]


def test_each_failure_says_how_many_attempts_are_left_before_the_lock(store, alice):
    left = []
    for _ in range(LIMIT):
        with pytest.raises(factors.AuthenticationFailed) as failed:
            factors.password_authenticate(email=alice.email, password="nope", ip=IP)
        left.append(failed.value.attempts_left)

    assert left == list(range(LIMIT - 1, -1, -1))  # 4, 3, 2, 1, 0
    with pytest.raises(factors.AuthenticationFailed) as locked:
        factors.password_authenticate(email=alice.email, password=DEMO_PASSWORD, ip=IP)
    assert "Too many" in str(locked.value) and locked.value.attempts_left is None


def test_the_tightest_limit_decides_the_attempts_left(store, alice, monkeypatch):
    monkeypatch.setattr(ratelimit, "MAX_FAILURES_PER_IP", 2)
    with pytest.raises(factors.AuthenticationFailed) as failed:
        factors.totp_verify(user=alice, code="000000", ip=IP)
    assert failed.value.attempts_left == 1  # the IP's limit, not the account's 4


def test_devidp_unlock_lifts_a_lock_out(store, alice):
    from django.core.management import call_command

    while wrong_password(alice.email) != "limited":
        pass
    assert right_password(alice.email) == "limited"

    call_command("devidp_unlock", alice.email.upper(), "--ip", IP, verbosity=0)

    assert right_password(alice.email) == "ok"
