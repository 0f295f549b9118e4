"""Start-up checks: the payment approval settings and the profile (oidc or fapi2)."""

from __future__ import annotations

import pytest

from devidp.checks import payment_approval_settings_check, profile_check
from devidp.seed import demo_seed


def ids() -> list[str | None]:
    return [error.id for error in payment_approval_settings_check(None)]


def test_the_defaults_pass(settings):
    for name in ("DEVIDP_APPROVAL_TOKEN_LIFETIME", "DEVIDP_REQUIRE_PAR"):
        if hasattr(settings, name):
            delattr(settings, name)
    assert ids() == []


@pytest.mark.parametrize("lifetime", [0, -1, 601, "120", 12.5, True, None])
def test_an_approval_token_lifetime_out_of_bounds_fails(settings, lifetime):
    settings.DEVIDP_APPROVAL_TOKEN_LIFETIME = lifetime
    assert ids() == ["devidp.E005"]


@pytest.mark.parametrize("lifetime", [1, 120, 600])
def test_an_approval_token_lifetime_within_bounds_passes(settings, lifetime):
    settings.DEVIDP_APPROVAL_TOKEN_LIFETIME = lifetime
    assert ids() == []


def test_require_par_must_be_a_boolean(settings):
    settings.DEVIDP_REQUIRE_PAR = "false"
    assert ids() == ["devidp.E006"]


def test_an_unknown_profile_fails_the_start_up_checks(settings):
    settings.DEVIDP_PROFILE = "fapi3"
    assert "devidp.E007" in [e.id for e in profile_check(None)]


def test_fapi2_refuses_rs256_signing_and_a_secret_client_at_start_up(settings):
    settings.DEVIDP_PROFILE = "fapi2"
    assert profile_check(None) == []
    settings.DEVIDP_SIGNING_ALG = "RS256"
    settings.DEVIDP_CLIENT_AUTH_METHOD = "client_secret_basic"
    assert [e.id for e in profile_check(None)] == ["devidp.E008", "devidp.E009"]


def test_private_key_jwt_without_any_client_keys_fails_the_start_up_checks(settings):
    settings.DEVIDP_PROFILE = "fapi2"
    settings.DEVIDP_CLIENT_JWKS_URI = ""
    assert [e.id for e in profile_check(None)] == ["devidp.E010"]


@pytest.mark.django_db
def test_the_seed_registers_the_demo_client_by_jwks_uri_in_fapi2(settings):
    settings.DEVIDP_PROFILE = "fapi2"
    settings.DEVIDP_CLIENT_JWKS_URI = "http://localhost:8000/oidc/jwks.json"
    client, _users = demo_seed()
    assert client.token_endpoint_auth_method == "private_key_jwt"
    assert client.jwks_uri == "http://localhost:8000/oidc/jwks.json"
    assert client.require_pushed_authorization_requests is True
