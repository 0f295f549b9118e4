"""Fixtures shared by every test module: the Alice / Bob / Charlie personas and helpers."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

from accounts.models import Account
from tests.factories import AccountFactory, CustomerFactory

# Access-token fixtures (signing key, fake JWKS, `mint_token`) for any test that calls the API;
# the live journey harness; web pages against a stand-in OP (`web_op`).
pytest_plugins = ["tests.tokens", "tests.journey", "tests.web_api"]

# Hypothesis in CI (CI=true). Hypothesis's own "ci" profile derandomizes and keeps no
# database: every run then tries the same examples, and a rare failure found on a laptop
# is never tried in CI. Ours explores afresh on each run, from a seed that `.ci/run` picks
# and prints (`--hypothesis-seed`: the whole run replays from it), prints the failing
# example's blob (`@reproduce_failure`), and keeps failing examples in .hypothesis/ so the
# next run on that machine tries them first. A property must hold for every draw, so a
# random draw that fails is a bug found, not noise.
HYPOTHESIS_DATABASE = DirectoryBasedExampleDatabase(".hypothesis/examples")
hypothesis_settings.register_profile(
    "ci",
    parent=hypothesis_settings.get_profile("ci"),
    derandomize=False,
    database=HYPOTHESIS_DATABASE,
    print_blob=True,
)
hypothesis_settings.register_profile("dev", print_blob=True, database=HYPOTHESIS_DATABASE)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed", default=None)
    profile = hypothesis_settings.get_current_profile_name()
    return f"hypothesis: profile {profile!r}, seed {seed if seed is not None else 'random'}"


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite, saying why, instead of passing them silently."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters (and whatever else is cached) never carry over between tests."""
    cache.clear()


@pytest.fixture
def alice():
    return CustomerFactory.create(sub="test|alice", name="Alice Ng")


@pytest.fixture
def bob():
    return CustomerFactory.create(sub="test|bob", name="Bob Okafor")


@pytest.fixture
def charlie():
    return CustomerFactory.create(sub="test|charlie", name="Charlie Haas")


@pytest.fixture
def alice_checking(alice) -> Account:
    return AccountFactory.create(customer=alice, number="1000000011", balance=Decimal("1000.00"))


@pytest.fixture
def alice_savings(alice) -> Account:
    return AccountFactory.create(
        customer=alice, number="1000000012", kind=Account.Kind.SAVINGS, balance=Decimal("50.00")
    )


@pytest.fixture
def bob_checking(bob) -> Account:
    return AccountFactory.create(customer=bob, number="1000000021", balance=Decimal("200.00"))


@pytest.fixture
def payment(alice_checking, bob_checking) -> dict[str, str]:
    """The body of a small transfer from Alice to Bob."""
    return {"source": alice_checking.number, "destination": bob_checking.number, "amount": "25.00"}
