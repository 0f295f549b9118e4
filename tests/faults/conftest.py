"""Helpers for fault tests (the step-up token fixture, `transfer_token`, is in tests/tokens.py)."""

from __future__ import annotations

import json

from tests.tokens import bearer


def post_transfer(client, token: str, body: dict, key: str = "fault-key-0001"):
    return client.post(
        "/api/transfers",
        data=json.dumps(body),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": key},
    )
