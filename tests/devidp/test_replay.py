"""The spent-`jti` store (devidp/replay.py) holds between workers: of twenty requests that
carry the same DPoP proof at once, each on its own database connection, one gets through."""

from __future__ import annotations

import pytest

from devidp.dpop import InvalidDpopProofError, proof_verify

from .conftest import in_threads
from .fapi import TOKEN_URL, dpop_proof, ec_key

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_proof_replayed_concurrently_is_accepted_exactly_once():
    proof = dpop_proof(ec_key())

    def attempt(_i: int) -> str:
        try:
            proof_verify(proof, method="POST", url=TOKEN_URL)
        except InvalidDpopProofError:
            return "refused"
        return "accepted"

    results = in_threads(attempt, n=10)
    assert sorted(results) == ["accepted"] + ["refused"] * 9
