"""GET /api/security-events: each caller reads only their own security history."""

from __future__ import annotations

import pytest

from accounts.api_schemas import validator
from accounts.events import stepup_event_record
from accounts.models import StepUpEvent
from tests.tokens import bearer

pytestmark = pytest.mark.django_db


def events(client, token):
    return client.get("/api/security-events", headers=bearer(token))


def test_the_caller_sees_their_own_events_newest_first_including_refused_replays(
    client, mint_token
):
    stepup_event_record(sub="test|alice", outcome="signed_in", detail="amr=pwd")
    stepup_event_record(sub="test|alice", outcome="token_replayed", detail="token already spent")
    stepup_event_record(sub="test|bob", outcome="signed_in", detail="amr=pwd")

    response = events(client, mint_token(sub="test|alice"))

    body = response.json()
    assert response.status_code == 200
    assert [event["outcome"] for event in body["events"]] == ["token_replayed", "signed_in"]
    assert body["events"][0]["label"] == "Blocked: a used transfer token was sent again"
    validator("SecurityEventList").validate(body)  # as the API documents it


def test_another_customer_sees_none_of_alices_events(client, mint_token):
    stepup_event_record(sub="test|alice", outcome="step_up_passed", detail="statements")

    body = events(client, mint_token(sub="test|charlie")).json()

    assert body == {"events": []}


def test_only_the_latest_fifty_are_returned(client, mint_token):
    StepUpEvent.objects.bulk_create(
        StepUpEvent(sub="test|alice", outcome="signed_in") for _ in range(60)
    )

    assert len(events(client, mint_token(sub="test|alice")).json()["events"]) == 50


def test_security_events_need_a_token(client, mint_token):
    response = client.get("/api/security-events")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
