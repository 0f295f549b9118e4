"""Sending a transfer from the web app: whatever the API answers, the customer gets a
clear page, and the single-use token never shows up in it (DEBUG=True included)."""

from __future__ import annotations

import pytest

from accounts import api_client
from oidc_client.session import ELEVATED_KEY
from tests.web_api import ELEVATED, UNEXPECTED, Answers, secrets_in
from transfers.client import PENDING_KEY, challenge_params

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_confirming(alice_on_debug):
    """Alice on the confirmation page of a reviewed transfer, holding an elevated token."""
    session = alice_on_debug.session
    session[PENDING_KEY] = {
        "source": "1000000011",
        "destination": "1000000021",
        "amount": "12.00",
        "memo": "",
        "idempotency_key": "confirm-key-0001",
        "payee": "Bob O.",
        "stepped_up": False,
    }
    session.save()
    return alice_on_debug


@pytest.mark.parametrize("answer", UNEXPECTED.values(), ids=UNEXPECTED.keys())
def test_an_unexpected_answer_to_a_transfer_is_explained_without_the_token(
    alice_confirming, monkeypatch, answer
):
    monkeypatch.setattr(api_client, "_session", Answers(*answer))

    sent = alice_confirming.post("/transfers/confirm")
    page = alice_confirming.get("/transfers/confirm")

    assert sent.status_code in (302, 400), sent.content[:300]
    html = sent.content.decode() + page.content.decode()
    assert "Traceback" not in html
    assert any(
        words in html
        for words in ("cannot tell yet whether the transfer went through", "could not process")
    )
    for secret in secrets_in(alice_confirming):
        assert secret not in html
    assert ELEVATED_KEY not in alice_confirming.session  # taken for this attempt, then gone


def test_a_bug_while_sending_never_shows_the_token_on_the_debug_page(alice_confirming, monkeypatch):
    class Broken:
        def request(self, *args, **kwargs):
            raise RuntimeError("a bug in the web app")

    monkeypatch.setattr(api_client, "_session", Broken())

    response = alice_confirming.post("/transfers/confirm")

    html = response.content.decode()
    assert response.status_code == 500
    assert "RuntimeError" in html  # DEBUG's technical page, as a developer sees it
    assert ELEVATED not in html
    for secret in secrets_in(alice_confirming):
        assert secret not in html


def test_a_challenge_is_read_as_rfc_9110_auth_params():
    # Quoted strings may hold commas and escaped quotes; the scheme is not a parameter.
    header = (
        'Bearer realm="fabrikam-api", error="insufficient_user_authentication", '
        'error_description="Say \\"again\\", please", max_age=300'
    )

    assert challenge_params(header) == {
        "realm": "fabrikam-api",
        "error": "insufficient_user_authentication",
        "error_description": 'Say "again", please',
        "max_age": "300",
    }
