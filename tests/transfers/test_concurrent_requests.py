"""Many clients at once over real HTTP, on whatever database the suite runs on (SQLite by
default, as `make demo` serves it): a race may cost a wait, never a 5xx."""

from __future__ import annotations

import json
import threading
from collections import Counter
from decimal import Decimal

import pytest
import requests
from django.db import connection

from tests.factories import AccountFactory, CustomerFactory
from tests.ledger import assert_ledger_consistent
from transfers.models import Transfer

pytestmark = pytest.mark.django_db(transaction=True)


def together(count: int, work) -> list:
    """Run `work(index)` on `count` threads released at once; return the results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:  # a test failure, reported below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def post_transfer(url: str, token: str, body: dict, key: str) -> requests.Response:
    return requests.post(
        f"{url}/api/transfers",
        data=json.dumps(body),
        headers={
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        },
        timeout=60,
    )


@pytest.fixture
def alice_pays_bob(alice_checking, bob_checking) -> dict:
    return {"source": alice_checking.number, "destination": bob_checking.number, "amount": "10.00"}


def test_one_token_sent_by_twenty_threads_is_accepted_once(
    live_server, transfer_token, alice_pays_bob, alice_checking
):
    token = transfer_token()

    responses = together(
        20, lambda i: post_transfer(live_server.url, token, alice_pays_bob, f"thread-key-{i:04}")
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 401: 19}, statuses
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("990.00")
    assert Transfer.objects.filter(idempotency_key__startswith="thread-key").count() == 1
    assert_ledger_consistent()


def test_twenty_identical_retries_all_get_the_first_answer(
    live_server, transfer_token, alice_pays_bob, alice_checking
):
    token = transfer_token()

    responses = together(
        20, lambda i: post_transfer(live_server.url, token, alice_pays_bob, "double-click-key")
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 20}, statuses
    assert len({r.json()["transfer"]["id"] for r in responses}) == 1
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("990.00")
    assert_ledger_consistent()


def test_eight_customers_paying_each_other_at_once_all_succeed(live_server, transfer_token):
    accounts = [
        AccountFactory.create(
            customer=CustomerFactory.create(sub=f"test|payer-{i}"), balance=Decimal("100")
        )
        for i in range(8)
    ]
    tokens = [transfer_token(sub=f"test|payer-{i}") for i in range(8)]

    def pay_the_next(index: int) -> requests.Response:
        body = {
            "source": accounts[index].number,
            "destination": accounts[(index + 1) % 8].number,
            "amount": "1.00",
        }
        return post_transfer(live_server.url, tokens[index], body, f"ring-key-{index:04}")

    responses = together(8, pay_the_next)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 8}, statuses
    for account in accounts:  # each paid one dollar and received one
        account.refresh_from_db()
        assert account.balance == Decimal("100.00")
    assert_ledger_consistent()
