"""A short run of scripts/load_transfers.py: 16 clients for 8 seconds through gunicorn on
loopback, against this test's PostgreSQL database, then every ledger and token check.
The figures are printed (run with -s to see them), never asserted."""

from __future__ import annotations

import pytest
from django.db import connection

from scripts import load_transfers as load

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PORT = 8320  # and 8321 for the issuer's JWKS


def test_concurrent_clients_through_gunicorn_keep_every_ledger_invariant():
    database = connection.settings_dict
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
    database_url += database["NAME"]  # the test database, which the server shares
    minter = load.Minter()

    with (
        load.jwks_server(PORT + 1, minter.jwks()) as jwks_url,
        load.gunicorn(PORT, database_url, jwks_url, workers=2, threads=8) as base_url,
    ):
        results, problems = load.load_run(base_url, minter, clients=16, seconds=8)

    figures = results.figures(8)
    print(f"load: {figures} statuses={dict(results.statuses)} retries={dict(results.retries)}")
    assert problems == []
    assert len(results.accepted) > 16  # every client got transfers through
    assert results.statuses[201] > 0
