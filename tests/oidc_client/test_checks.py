"""`manage.py check` names a missing or contradictory web client setting at start-up."""

from __future__ import annotations

from oidc_client.checks import oidc_client_settings_check


def ids(problems) -> list[str]:
    return [problem.id for problem in problems]


def test_the_sites_own_settings_pass():
    assert oidc_client_settings_check(None) == []


def test_no_issuer_is_a_warning_sign_in_is_not_configured(settings):
    settings.OIDC_ISSUER = None
    problems = oidc_client_settings_check(None)
    assert ids(problems) == ["oidc_client.W001"]
    assert "sign-in is not configured" in problems[0].msg


def test_an_issuer_without_a_client_id_is_an_error(settings):
    settings.OIDC_CLIENT_ID = ""
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E002"]


def test_an_issuer_that_is_not_a_url_is_an_error(settings):
    settings.OIDC_ISSUER = "fabrikam.eu.auth0.com"
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E001"]


def test_a_scope_without_openid_is_an_error(settings):
    settings.OIDC_SCOPE = "profile email"
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E003"]


def test_step_up_windows_must_be_positive(settings):
    settings.OIDC_WEB_STEP_UP_MAX_AGE = 0
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E004"]


def test_sign_in_says_it_is_not_configured_instead_of_failing(client, settings):
    settings.OIDC_ISSUER = None
    response = client.get("/login")
    assert response.status_code == 503
    assert b"Sign-in is not configured" in response.content


def test_a_missing_client_secret_is_a_warning(settings):
    settings.OIDC_CLIENT_SECRET = ""
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.W002"]


def test_missing_session_or_messages_middleware_is_an_error(settings):
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m != "django.contrib.messages.middleware.MessageMiddleware"
    ]
    problems = oidc_client_settings_check(None)
    assert ids(problems) == ["oidc_client.E005"]
    assert "MessageMiddleware" in problems[0].msg
