"""Property test: whatever sequence of transfers is asked for, the ledger stays true."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.errors import ApplicationError
from accounts.models import Account
from tests.factories import AccountFactory
from tests.ledger import assert_ledger_consistent
from transfers.models import Transfer
from transfers.services import transfer_create

amounts = st.decimals(min_value=Decimal("-50"), max_value=Decimal("400"), places=2)
steps = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 2), amounts, st.sampled_from(["", "k1", "k2"])),
    max_size=25,
)


class TransferSequenceTests(TestCase):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=steps)
    def test_random_sequences_keep_the_invariants(self, steps):
        accounts = [AccountFactory.create(balance=Decimal("250.00")) for _ in range(3)]
        for source_index, destination_index, amount, key in steps:
            source, destination = accounts[source_index], accounts[destination_index]
            try:
                transfer_create(
                    customer=source.customer,
                    source_number=source.number,
                    destination_number=destination.number,
                    amount=amount,
                    idempotency_key=key and f"{source.pk}-{key}",
                    approved=True,
                )
            except ApplicationError:
                continue  # invalid requests and reused keys are refused, which is fine

        assert_ledger_consistent()
        # Each account ends at its opening balance plus exactly the completed transfers.
        expected = {a.pk: Decimal("250.00") for a in accounts}
        for transfer in Transfer.objects.filter(
            status=Transfer.Status.COMPLETED, source__in=accounts
        ):
            assert transfer.source_id is not None and transfer.destination_id is not None
            expected[transfer.source_id] -= transfer.amount
            expected[transfer.destination_id] += transfer.amount
        actual = dict(Account.objects.filter(pk__in=expected).values_list("pk", "balance"))
        assert actual == expected
