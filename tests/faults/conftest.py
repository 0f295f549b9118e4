"""Fixtures for fault tests: fresh step-up tokens for the transfer API."""

from __future__ import annotations

import json
import time

import pytest

from tests.tokens import bearer

MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


@pytest.fixture
def transfer_token(mint_token, api_settings):
    """mint() -> a fresh step-up token for Alice: transfer:funds, MFA a moment ago."""
    api_settings.API_REQUIRE_AUTH_CONTEXT = True
    api_settings.STEP_UP_MAX_AGE = 300

    def mint(**claims):
        defaults = {
            "scope": "openid transfer:funds",
            "amr": ["pwd", "mfa"],
            "acr": MFA,
            "auth_time": int(time.time()) - 5,
        }
        return mint_token(**{**defaults, **claims})

    return mint


def post_transfer(client, token: str, body: dict, key: str = "fault-key-0001"):
    return client.post(
        "/api/transfers",
        data=json.dumps(body),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": key},
    )
