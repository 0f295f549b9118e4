"""Fixtures for the web app's OpenID Connect client tests."""

from __future__ import annotations

import pytest

from oidc_client import provider as oidc
from tests.oidc_client.oidc_provider import CLIENT_ID, ISSUER, StandInProvider


@pytest.fixture
def op(settings):
    """The site's client pointed at a stand-in provider that signs ID tokens to order."""
    settings.OIDC_ISSUER = settings.API_ISSUER = ISSUER
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = "test-secret"
    oidc._client.cache_clear()
    provider = StandInProvider()
    provider.install()
    yield provider
    oidc._client.cache_clear()
