"""The web app's OpenID Connect client: the requests it makes and every callback refusal."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY

from oidc_client import provider as oidc
from oidc_client.session import TOKENS_KEY
from tests.oidc_client.oidc_provider import CLIENT_ID, ISSUER, StandInProvider

pytestmark = pytest.mark.django_db


def callback(client, params, **extra):
    query = {"code": "code-1", "state": params["state"], "iss": ISSUER, **extra}
    return client.get("/callback", {k: v for k, v in query.items() if v is not None})


def test_sign_in_sends_pkce_state_nonce_scope_and_audience(client, op, settings):
    params = op.authorize(client)

    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    assert params["scope"] == "openid profile email read:accounts"
    assert params["audience"] == settings.API_AUDIENCE
    assert params["redirect_uri"] == "http://testserver/callback"
    assert "resource" not in params  # not advertised, not asked for


def test_resource_is_sent_when_the_provider_supports_rfc_8707(client, op, settings):
    op.metadata["resource_indicators_supported"] = True
    op.install()
    assert op.authorize(client)["resource"] == settings.API_AUDIENCE


def test_a_valid_callback_signs_in_and_keeps_tokens_only_server_side(client, op):
    params = op.authorize(client, "/login?next=/accounts/")
    before = client.session.session_key

    response = callback(client, params)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    session = client.session
    assert session[SESSION_KEY]
    assert session.session_key != before  # cycled: no session fixation
    assert session[TOKENS_KEY]["access_token"] == "access-token-for-tests"
    assert session[TOKENS_KEY]["claims"]["sub"] == "auth0|alice"
    assert "code_verifier" in op.last_token_request  # PKCE verifier sent with the code
    assert "access-token-for-tests" not in response.cookies.output()


def test_the_user_is_created_just_in_time_from_sub(client, op, django_user_model):
    callback(client, op.authorize(client))
    user = django_user_model.objects.get(username="auth0|alice")
    assert user.email == "alice@example.com"
    assert not user.has_usable_password()


def test_a_provider_error_shows_a_friendly_page(client, op):
    params = op.authorize(client)
    response = callback(client, params, code=None, error="temporarily_unavailable")
    assert response.status_code == 400
    assert b"Sign-in did not work" in response.content
    assert SESSION_KEY not in client.session


def test_cancelling_the_first_sign_in_is_a_choice_not_an_error(client, op):
    params = op.authorize(client, "/login?next=/accounts/")

    response = callback(client, params, code=None, error="access_denied")

    assert response.status_code == 302 and response["Location"] == "/"  # not back to sign-in
    assert SESSION_KEY not in client.session
    landing = client.get("/").content.decode()
    assert "You cancelled signing in." in landing
    assert "did not work" not in landing


def test_a_bad_state_is_refused(client, op):
    op.authorize(client)
    response = client.get("/callback", {"code": "c", "state": "forged", "iss": ISSUER})
    assert response.status_code == 400
    assert b"expired or was already used" in response.content


def test_a_replayed_callback_is_refused(client, op):
    params = op.authorize(client)
    assert callback(client, params).status_code == 302
    assert callback(client, params).status_code == 400


@pytest.mark.parametrize(
    "claims",
    [
        {"nonce": "another-nonce"},
        {"aud": "someone-elses-client"},
        {"iss": "https://evil.example/"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"sub": None},
    ],
    ids=["bad-nonce", "wrong-aud", "wrong-iss", "expired", "no-sub"],
)
def test_an_id_token_with_one_thing_wrong_is_refused(client, op, claims):
    params = op.authorize(client)
    op.claim_overrides = claims
    response = callback(client, params)
    assert response.status_code == 400
    assert b"could not be verified" in response.content
    assert SESSION_KEY not in client.session


def test_an_id_token_signed_by_another_key_is_refused(client, op):
    params = op.authorize(client)
    forger = StandInProvider()
    forger.nonce = op.nonce
    op.token_overrides = {"id_token": forger.id_token(op.nonce)}
    assert callback(client, params).status_code == 400


def test_a_response_from_another_issuer_is_refused_rfc_9207(client, op):
    params = op.authorize(client)
    response = callback(client, params, iss="https://evil.example/")
    assert response.status_code == 400
    assert b"unexpected issuer" in response.content


def test_a_response_without_iss_is_refused_when_the_provider_advertises_it(client, op):
    params = op.authorize(client)
    assert callback(client, params, iss=None).status_code == 400


def test_a_response_without_iss_is_accepted_when_the_provider_does_not_send_it(client, op):
    op.metadata["authorization_response_iss_parameter_supported"] = False
    op.install()
    params = op.authorize(client)
    assert callback(client, params, iss=None).status_code == 302


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_next_never_becomes_an_open_redirect(client, op, next_url):
    params = op.authorize(client, f"/login?next={next_url}")
    assert callback(client, params)["Location"] == "/"


def test_a_silent_sign_in_that_needs_interaction_falls_back_to_the_login_page(client, op):
    params = op.authorize(client, "/login?next=/accounts/&prompt=none")
    assert params["prompt"] == "none"

    response = callback(client, params, code=None, error="login_required")

    assert response.status_code == 302
    assert response["Location"].startswith(f"{ISSUER}authorize")
    assert "prompt=none" not in response["Location"]


def test_an_unreachable_provider_shows_a_clear_page_not_a_500(client, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9/unreachable"
    settings.OIDC_TIMEOUT = 1
    oidc._client.cache_clear()
    response = client.get("/login")
    assert response.status_code == 503
    assert b"cannot be reached" in response.content


def test_logout_needs_a_post_and_ends_the_providers_session(client, op):
    callback(client, op.authorize(client))
    id_token = client.session[TOKENS_KEY]["id_token"]

    assert client.get("/logout").status_code == 200  # a confirmation page, nothing ends
    assert SESSION_KEY in client.session
    response = client.post("/logout")

    location = response["Location"]
    assert location.startswith(f"{ISSUER}oidc/logout?")
    assert f"id_token_hint={id_token}" in location
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2F" in location
    assert SESSION_KEY not in client.session


def test_logout_falls_back_to_auth0_v2_logout(client, op, settings):
    settings.OIDC_AUTH0_LOGOUT = True  # what AUTH0_DOMAIN sets: a tenant on a custom domain
    del op.metadata["end_session_endpoint"]
    op.install()
    callback(client, op.authorize(client))
    location = client.post("/logout")["Location"]
    assert location.startswith(f"{ISSUER.rstrip('/')}/v2/logout?")
    assert "returnTo=http%3A%2F%2Ftestserver%2F" in location
