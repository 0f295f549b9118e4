"""The database fails in the middle of a transfer: nothing is written, the token is not
spent, the API answers 503 problem+json (never a 500), and a retry succeeds."""

from __future__ import annotations

import pkgutil
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.http import HttpResponse

from accounts.models import LedgerEntry
from api_auth.models import SpentToken
from tests.faults.conftest import post_transfer
from tests.ledger import assert_ledger_consistent
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


class FailOnce:
    """Wrap `function` so its `nth` call raises OperationalError, as a dropped connection
    would; every other call goes through."""

    def __init__(self, function, nth: int = 1):
        self.function, self.nth, self.calls = function, nth, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.nth:
            raise OperationalError("server closed the connection unexpectedly")
        return self.function(*args, **kwargs)


@pytest.fixture
def payment(alice_checking, bob_checking):
    return {"source": alice_checking.number, "destination": bob_checking.number, "amount": "25.00"}


def snapshot(*accounts) -> tuple:
    """Balances, transfers, ledger entries and spent tokens: what a fault must not change."""
    for account in accounts:
        account.refresh_from_db()
    return (
        [account.balance for account in accounts],
        Transfer.objects.count(),
        LedgerEntry.objects.count(),
        SpentToken.objects.count(),
    )


@pytest.mark.parametrize(
    ("target", "nth"),
    [
        ("accounts.ledger._balance_move", 2),  # the credit leg, after the debit leg
        ("api_auth.single_use._record", 1),  # spending the token, after the ledger
    ],
    ids=["between-ledger-legs", "while-spending-the-token"],
)
def test_a_database_failure_mid_transfer_writes_nothing_and_a_retry_succeeds(
    client, monkeypatch, transfer_token, payment, alice_checking, bob_checking, target, nth
):
    token = transfer_token()
    before = snapshot(alice_checking, bob_checking)
    monkeypatch.setattr(target, FailOnce(pkgutil.resolve_name(target), nth=nth))

    failed = post_transfer(client, token, payment)

    assert failed.status_code == 503
    assert failed["Content-Type"] == "application/problem+json"
    assert failed.json()["code"] == "database_unavailable"
    assert failed["Retry-After"] == "1"
    assert snapshot(alice_checking, bob_checking) == before

    retried = post_transfer(client, token, payment)  # the same token and key: not spent

    assert retried.status_code == 201, retried.content
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("975.00")
    assert Transfer.objects.filter(idempotency_key="fault-key-0001").count() == 1
    assert SpentToken.objects.count() == 1
    assert_ledger_consistent()


def test_a_database_outage_on_a_read_endpoint_is_a_503_problem(client, mint_token, monkeypatch):
    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("accounts.api.account_list", down)

    response = client.get("/api/accounts", headers={"Authorization": f"Bearer {mint_token()}"})

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Cache-Control"] == "no-store"


def test_a_bug_that_breaks_an_integrity_rule_is_still_a_500_not_hidden_as_an_outage(
    client, mint_token, monkeypatch
):
    from django.db import IntegrityError

    def broken(**kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr("accounts.api.account_list", broken)
    client.raise_request_exception = False

    response = client.get("/api/accounts", headers={"Authorization": f"Bearer {mint_token()}"})

    assert response.status_code == 500


def test_a_database_outage_behind_a_web_page_is_a_clear_503_page(client, monkeypatch, alice):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username=alice.sub)
    client.force_login(user)

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("accounts.views.api_client.get_json", down)

    response = client.get("/accounts/")

    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.content


def test_a_database_outage_under_the_session_itself_is_a_clear_503_page(
    client, monkeypatch, alice, settings
):
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"  # the default, no Redis
    client.force_login(get_user_model().objects.create(username=alice.sub))

    def down(self):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(SessionStore, "load", down)  # sessions live in the database

    response = client.get("/accounts/")

    assert response.status_code == 503
    assert b"Temporarily unavailable" in response.content


def test_an_idp_only_process_answers_a_database_outage_plainly(rf, settings):
    from fabrikam.middleware import WebErrorMiddleware

    settings.FABRIKAM_ROLES = ["idp"]  # its URLconf has no site pages to link to
    middleware = WebErrorMiddleware(lambda request: HttpResponse())  # never reached

    response = middleware.process_exception(rf.get("/idp/u/login"), OperationalError("down"))

    assert response is not None
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain"
