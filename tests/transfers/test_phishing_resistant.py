"""POST /api/transfers at or above PHISHING_RESISTANT_THRESHOLD needs a passkey: a token
from a one-time code gets RFC 9470's challenge naming the phishing-resistant policy."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from api_auth.models import SpentToken
from tests.tokens import MFA_POLICY, bearer
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

PHISHING_RESISTANT = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"
PASSKEY = {"acr": PHISHING_RESISTANT, "amr": ["pwd", "hwk", "user", "mfa"]}
CODE = {"acr": MFA_POLICY, "amr": ["pwd", "otp", "mfa"]}


@pytest.fixture(autouse=True)
def _threshold(settings, transfer_token):
    # Below the approval threshold, so these tests are about the factor alone.
    settings.PHISHING_RESISTANT_THRESHOLD = Decimal("300.00")


@pytest.fixture
def send(client, alice_checking, bob_checking):
    def send(token: str, amount: str, key: str = "key-00000001"):
        body = {"source": alice_checking.number, "destination": bob_checking.number}
        return client.post(
            "/api/transfers",
            data=json.dumps({**body, "amount": amount}),
            content_type="application/json",
            headers=bearer(token),
            HTTP_IDEMPOTENCY_KEY=key,
        )

    return send


def test_a_code_is_enough_just_below_the_threshold(send, transfer_token):
    assert send(transfer_token(**CODE), "299.99").status_code == 201


def test_a_code_at_the_threshold_gets_a_challenge_naming_the_phishing_resistant_policy(
    send, transfer_token, alice_checking
):
    transfers_before = Transfer.objects.count()
    response = send(transfer_token(**CODE), "300.00")

    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge
    assert f'acr_values="{PHISHING_RESISTANT}"' in challenge
    assert 'max_age="300"' in challenge
    assert response.json()["code"] == "insufficient_user_authentication"
    assert Transfer.objects.count() == transfers_before
    assert not SpentToken.objects.exists()  # refused before anything was spent


def test_a_passkey_moves_money_at_and_above_the_threshold(send, transfer_token):
    assert send(transfer_token(**PASSKEY), "300.00", key="key-00000001").status_code == 201
    assert send(transfer_token(**PASSKEY), "450.00", key="key-00000002").status_code == 201


def test_a_passkey_also_meets_the_plain_mfa_rule_below_it(send, transfer_token):
    assert send(transfer_token(**PASSKEY), "10.00").status_code == 201


def test_the_default_threshold_is_five_thousand():
    from fabrikam.settings import base

    threshold = base.PHISHING_RESISTANT_THRESHOLD
    assert threshold == Decimal("5000.00")
