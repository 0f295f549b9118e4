"""Many threads moving money at once, on PostgreSQL where row locks are real."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import AccountFactory, CustomerFactory
from tests.ledger import assert_ledger_consistent
from transfers.models import Transfer
from transfers.services import transfer_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(count: int, work) -> list[BaseException]:
    """Start `count` threads together; return every exception a caller would have seen."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:  # every error is a test failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_random_concurrent_transfers_keep_every_invariant():
    accounts = [AccountFactory.create(balance=Decimal("300.00")) for _ in range(4)]
    hot = accounts[0]

    def work(index: int) -> None:
        rng = random.Random(index)
        for step in range(25):
            if step % 3 == 0:  # everyone also hammers one hot account
                source, destination = hot, rng.choice(accounts[1:])
            else:
                source, destination = rng.sample(accounts, 2)
            transfer_create(
                customer=source.customer,
                source_number=source.number,
                destination_number=destination.number,
                amount=Decimal(rng.randint(1, 9000)) / 100,
                approved=True,
            )

    errors = run_in_threads(12, work)

    assert errors == []
    assert Transfer.objects.filter(status=Transfer.Status.COMPLETED).count() > 50
    assert_ledger_consistent()


def test_opposite_direction_pairs_never_deadlock():
    alice = AccountFactory.create(balance=Decimal("1000.00"))
    bob = AccountFactory.create(balance=Decimal("1000.00"))

    def work(index: int) -> None:
        source, destination = (alice, bob) if index % 2 else (bob, alice)
        for _ in range(30):
            transfer_create(
                customer=source.customer,
                source_number=source.number,
                destination_number=destination.number,
                amount="1.00",
                approved=True,
            )

    errors = run_in_threads(10, work)

    assert errors == []
    moved = Transfer.objects.filter(status=Transfer.Status.COMPLETED, source__in=[alice, bob])
    assert moved.count() == 300
    assert_ledger_consistent()


def test_a_hot_account_is_never_overdrawn():
    hot = AccountFactory.create(balance=Decimal("100.00"))
    payees = [AccountFactory.create() for _ in range(3)]

    def work(index: int) -> None:
        for _ in range(10):
            transfer_create(
                customer=hot.customer,
                source_number=hot.number,
                destination_number=payees[index % 3].number,
                amount="7.00",
                approved=True,
            )

    errors = run_in_threads(10, work)

    assert errors == []
    hot.refresh_from_db()
    assert hot.balance == Decimal("2.00")  # 14 transfers of 7.00 fit in 100.00
    assert Transfer.objects.filter(status=Transfer.Status.COMPLETED, source=hot).count() == 14
    assert Transfer.objects.filter(decline_reason="insufficient_funds", source=hot).count() == 86
    assert_ledger_consistent()


def test_the_same_idempotency_key_sent_concurrently_creates_one_transfer():
    customer = CustomerFactory.create()
    source = AccountFactory.create(customer=customer, balance=Decimal("500.00"))
    destination = AccountFactory.create()
    results: list[Transfer] = []

    def work(index: int) -> None:
        results.append(
            transfer_create(
                customer=customer,
                source_number=source.number,
                destination_number=destination.number,
                amount="10.00",
                idempotency_key="double-click",
                approved=True,
            )
        )

    errors = run_in_threads(10, work)

    assert errors == []
    assert len({t.pk for t in results}) == 1
    source.refresh_from_db()
    assert source.balance == Decimal("490.00")
    assert Transfer.objects.filter(idempotency_key="double-click").count() == 1


def test_one_token_sent_by_twenty_threads_moves_money_once(mint_token, api_settings):
    import json
    import time

    from django.test import Client

    api_settings.API_REQUIRE_AUTH_CONTEXT = True
    customer = CustomerFactory.create(sub="test|alice")
    source = AccountFactory.create(customer=customer, balance=Decimal("500.00"))
    destination = AccountFactory.create()
    token = mint_token(scope="transfer:funds", amr=["pwd", "mfa"], auth_time=int(time.time()))
    statuses: list[int] = []

    def work(index: int) -> None:
        response = Client().post(
            "/api/transfers",
            data=json.dumps(
                {"source": source.number, "destination": destination.number, "amount": "10.00"}
            ),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"thread-key-{index}"},
        )
        statuses.append(response.status_code)

    errors = run_in_threads(20, work)

    assert errors == []
    assert sorted(statuses) == [201] + [401] * 19
    source.refresh_from_db()
    assert source.balance == Decimal("490.00")
    assert Transfer.objects.filter(source=source).count() == 1
