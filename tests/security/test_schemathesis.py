"""Schemathesis against /api/openapi.json, in-process through the WSGI app: no 500s, and
every response matches what the description promises (status, content type, schema,
headers). Bounded examples per operation keep it to seconds."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.django_db

MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


@contextmanager
def connections_kept_open():
    """What Django's own test client does around each request: the WSGI handler would close
    the connection at request start and end, and with it the test's transaction."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _keep_connections_open():
    with connections_kept_open():
        yield


# Read once at collection: the description needs no database and no token.
with connections_kept_open():
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_description(
    case, mint_token, alice_checking, alice_savings, bob_checking
):
    # Each request gets a fresh token for Alice with both scopes and a second factor now:
    # transfer tokens are single-use, and a refusal for a spent token is not what we test.
    token = mint_token(
        scope="openid read:accounts transfer:funds",
        amr=["pwd", "mfa"],
        acr=MFA,
        auth_time=int(time.time()),
    )
    # Every check but positive_data_acceptance: a request the schema allows may still break a
    # business rule the schema cannot state (an account you do not own, a month in the
    # future, an empty account number), and the API rightly answers 4xx problem+json.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance],
    )
