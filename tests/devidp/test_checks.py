"""Start-up checks for the payment approval settings."""

from __future__ import annotations

import pytest

from devidp.checks import payment_approval_settings_check


def ids() -> list[str]:
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
