"""The web app's answer when the API refuses a brand-new sign-in token: the reason, not a
loop and not a shrug (e.g. Auth0's default `typ: JWT` with API_ACCEPT_JWT_TYP off)."""

from __future__ import annotations

import logging

import pytest

from tests.factories import CustomerFactory
from tests.oidc_client.oidc_provider import ISSUER
from tests.web_api import sign_in_with

pytestmark = pytest.mark.django_db


def test_a_refused_fresh_sign_in_says_which_setting_fixes_it(client, web_op, mint_token, caplog):
    CustomerFactory(sub="auth0|alice", name="Alice Ng")
    token = mint_token(sub="auth0|alice", iss=ISSUER, headers={"typ": "JWT"})
    web_op.token_overrides = {"access_token": token}
    sign_in_with(client, web_op)

    with caplog.at_level(logging.WARNING, logger="accounts.api_client"):
        response = client.get("/")

    assert response.status_code == 503
    page = response.content.decode()
    assert "refused a fresh sign-in" in page
    assert "API_ACCEPT_JWT_TYP=true" in page
    assert any("typ JWT" in record.getMessage() for record in caplog.records)
