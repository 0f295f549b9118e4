"""`manage.py check` names a missing or contradictory web client setting at start-up."""

from __future__ import annotations

import json

import pytest
from joserfc.jwk import ECKey, RSAKey

from oidc_client import provider
from oidc_client.checks import oidc_client_settings_check
from oidc_client.errors import ProviderUnavailable


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


def an_ec_key() -> str:
    return json.dumps(ECKey.generate_key("P-256").as_dict(private=True))


def fapi2_ready(settings) -> None:
    settings.OIDC_PROFILE = "fapi2"
    settings.OIDC_CLIENT_KEY = an_ec_key()
    settings.OIDC_REDIRECT_URI = "https://bank.example/callback"


def test_a_fapi2_site_with_a_key_and_a_redirect_uri_passes(settings):
    fapi2_ready(settings)
    assert oidc_client_settings_check(None) == []


def test_an_unknown_profile_is_an_error(settings):
    settings.OIDC_PROFILE = "fapi3"
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E006"]


def test_an_unknown_auth_method_is_an_error(settings):
    settings.OIDC_CLIENT_AUTH_METHOD = "tls_client_auth"
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E007"]


def test_private_key_jwt_without_a_key_names_the_setting(settings):
    settings.OIDC_CLIENT_AUTH_METHOD = "private_key_jwt"
    problems = oidc_client_settings_check(None)
    assert ids(problems) == ["oidc_client.E008"] and "OIDC_CLIENT_KEY" in problems[0].msg


@pytest.mark.parametrize(
    "key",
    [
        json.dumps(ECKey.generate_key("P-256").as_dict(private=False)),  # public only
        json.dumps(ECKey.generate_key("P-384").as_dict(private=True)),  # not ES256
        RSAKey.generate_key(1024, private=True, auto_kid=True).as_pem().decode(),  # too short
        "not a key",
    ],
    ids=["public-only", "p384", "rsa-1024", "garbage"],
)
def test_an_unusable_key_is_an_error_that_never_shows_the_key(settings, key):
    settings.OIDC_CLIENT_AUTH_METHOD = "private_key_jwt"
    settings.OIDC_CLIENT_KEY = key
    (problem,) = oidc_client_settings_check(None)
    assert problem.id == "oidc_client.E008" and key not in problem.msg


def test_an_unreadable_key_file_is_an_error(settings, tmp_path):
    settings.OIDC_CLIENT_AUTH_METHOD = "private_key_jwt"
    settings.OIDC_CLIENT_KEY_FILE = str(tmp_path / "missing.pem")
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E008"]


def test_fapi2_without_a_redirect_uri_is_an_error(settings):
    fapi2_ready(settings)
    settings.OIDC_REDIRECT_URI = None
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E009"]


def test_fapi2_with_a_client_secret_method_is_an_error(settings):
    fapi2_ready(settings)
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_post"
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E010"]


def test_fapi2_with_dpop_off_is_an_error(settings):
    fapi2_ready(settings)
    settings.OIDC_DPOP = False
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E011"]


def test_dpop_with_signed_cookie_sessions_is_an_error(settings):
    settings.OIDC_DPOP = True
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert ids(oidc_client_settings_check(None)) == ["oidc_client.E012"]


# The provider's half, which needs its discovery document: refused at the first discovery.
def test_a_method_the_providers_discovery_does_not_list_is_refused_naming_the_setting(op, settings):
    settings.OIDC_CLIENT_AUTH_METHOD = "client_secret_post"
    op.metadata["token_endpoint_auth_methods_supported"] = ["private_key_jwt"]
    op.install()
    with pytest.raises(ProviderUnavailable, match=r"client_secret_post.*OIDC_CLIENT_AUTH_METHOD"):
        provider.metadata()


def test_a_method_the_provider_lists_is_accepted(op):
    op.metadata["token_endpoint_auth_methods_supported"] = ["client_secret_basic"]
    op.install()
    assert provider.metadata()["issuer"] == op.metadata["issuer"]
