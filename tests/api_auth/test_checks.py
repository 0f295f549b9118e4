"""`manage.py check` names a missing or contradictory API guard setting at start-up."""

from __future__ import annotations

import pytest

from api_auth.checks import api_auth_settings_check


def ids(settings_problems) -> list[str]:
    return [problem.id for problem in settings_problems]


def test_the_sites_own_settings_pass():
    assert api_auth_settings_check(None) == []


def test_a_missing_issuer_and_audience_are_named(settings):
    settings.API_ISSUER = None
    settings.API_AUDIENCE = ""
    problems = api_auth_settings_check(None)
    assert ids(problems) == ["api_auth.W002", "api_auth.W003"]
    assert "API_ISSUER" in problems[0].msg and "API_AUDIENCE" in problems[1].msg


def test_an_issuer_that_is_not_a_url_is_refused(settings):
    settings.API_ISSUER = "fabrikam.eu.auth0.com"  # a domain, not the issuer URL
    assert ids(api_auth_settings_check(None)) == ["api_auth.E002"]


@pytest.mark.parametrize("leeway", [-1, 61, "30"])
def test_a_leeway_outside_zero_to_sixty_seconds_is_refused(settings, leeway):
    settings.API_TOKEN_LEEWAY = leeway
    assert ids(api_auth_settings_check(None)) == ["api_auth.E004"]


def test_a_step_up_window_must_be_positive(settings):
    settings.API_STEP_UP_MAX_AGE = 0
    assert ids(api_auth_settings_check(None)) == ["api_auth.E005"]


def test_a_claim_namespace_without_a_trailing_slash_is_a_warning(settings):
    settings.API_CLAIM_NAMESPACE = "https://fabrikam.example"
    assert ids(api_auth_settings_check(None)) == ["api_auth.W001"]


def test_an_unconfigured_guard_answers_503_not_a_crash(client, settings):
    settings.API_ISSUER = None
    response = client.get("/api/accounts", headers={"Authorization": "Bearer a.b.c"})
    assert response.status_code == 503
    assert response.json()["code"] == "not_configured"


def test_introspection_credentials_come_in_pairs(settings):
    settings.API_INTROSPECTION_CLIENT_ID = "fabrikam-api"
    settings.API_INTROSPECTION_CLIENT_SECRET = None
    assert ids(api_auth_settings_check(None)) == ["api_auth.E008"]


def test_an_unknown_profile_is_refused(settings):
    settings.API_PROFILE = "fapi"
    assert ids(api_auth_settings_check(None)) == ["api_auth.E010"]


@pytest.mark.parametrize("algorithms", [[], ["HS256"], ["none"], ["RS256", "ES512"]])
def test_algorithms_the_guard_cannot_verify_are_refused(settings, algorithms):
    settings.API_ALGORITHMS = algorithms
    assert ids(api_auth_settings_check(None)) == ["api_auth.E011"]


def test_rs256_in_the_fapi2_profile_is_refused(settings):
    settings.API_PROFILE = "fapi2"
    settings.API_ALGORITHMS = ["RS256", "PS256"]
    assert ids(api_auth_settings_check(None)) == ["api_auth.E012"]


def test_fapi2_without_the_external_url_is_refused(settings):
    settings.API_PROFILE = "fapi2"
    settings.API_EXTERNAL_URL = None
    assert ids(api_auth_settings_check(None)) == ["api_auth.E013"]


def test_fapi2_with_its_external_url_passes(settings):
    settings.API_PROFILE = "fapi2"
    settings.API_EXTERNAL_URL = "https://bank.example"
    assert api_auth_settings_check(None) == []


@pytest.mark.parametrize("url", ["bank.example", "ftp://bank.example", "https://b.example/?x=1"])
def test_an_external_url_that_is_no_base_url_is_refused(settings, url):
    settings.API_EXTERNAL_URL = url
    assert ids(api_auth_settings_check(None)) == ["api_auth.E014"]


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("API_DPOP_NONCE", "yes", "api_auth.E015"),
        ("API_DPOP_PROOF_MAX_AGE", 0, "api_auth.E016"),
        ("API_DPOP_PROOF_MAX_AGE", 3600, "api_auth.E016"),
    ],
)
def test_bad_dpop_settings_are_refused(settings, name, value, error):
    setattr(settings, name, value)
    assert ids(api_auth_settings_check(None)) == [error]
