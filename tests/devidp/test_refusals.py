"""Every way a request can be wrong, and what the IdP does about it."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from devidp.models import AuthorizationCode, IssuedToken

from .conftest import ISSUER, REDIRECT_URI, query

pytestmark = pytest.mark.django_db


def assert_error_to_client(response, rp, error: str) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI)
    params = query(response)
    assert params["error"] == error
    assert params["state"] == rp.state
    assert params["iss"] == ISSUER
    assert "code" not in params


def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(rp):
    response = rp.authorize(redirect_uri="https://evil.example/callback")
    assert response.status_code == 400
    assert b"invalid_request" in response.content
    assert "Location" not in response


def test_a_redirect_uri_must_match_exactly(rp):
    response = rp.authorize(redirect_uri=REDIRECT_URI + "/")
    assert response.status_code == 400
    assert "Location" not in response


def test_an_unknown_client_gets_an_error_page(rp):
    response = rp.authorize(client_id="who-knows")
    assert response.status_code == 400
    assert b"invalid_client" in response.content


def test_a_missing_pkce_challenge_is_refused(rp):
    response = rp.authorize(code_challenge=None, code_challenge_method=None)
    assert_error_to_client(response, rp, "invalid_request")


def test_a_plain_pkce_challenge_is_refused(rp):
    response = rp.authorize(code_challenge="x" * 43, code_challenge_method="plain")
    assert_error_to_client(response, rp, "invalid_request")


def test_a_challenge_without_a_method_is_refused_rather_than_treated_as_plain(rp):
    response = rp.authorize(code_challenge_method=None)
    assert_error_to_client(response, rp, "invalid_request")


def test_an_unknown_scope_is_refused(rp):
    response = rp.authorize(scope="openid admin:everything")
    assert_error_to_client(response, rp, "invalid_scope")


def test_another_audience_is_refused(rp):
    response = rp.authorize(audience="https://someone-else.example")
    assert_error_to_client(response, rp, "invalid_target")


def test_another_resource_is_refused(rp):
    response = rp.authorize(audience=None, resource="https://someone-else.example")
    assert_error_to_client(response, rp, "invalid_target")


def test_only_the_code_response_type_is_supported(rp):
    response = rp.authorize(response_type="token")
    assert_error_to_client(response, rp, "unsupported_response_type")


def test_a_wrong_code_verifier_is_refused(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    response = rp.exchange(code, verifier="w" * 50)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_wrong_code_verifier_does_not_burn_the_code_and_the_right_one_redeems_it_once(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))

    assert rp.exchange(code, verifier="w" * 50).status_code == 400

    assert AuthorizationCode.objects.get().used_at is None
    assert rp.exchange(code).status_code == 200
    assert rp.exchange(code).status_code == 400


def test_a_missing_code_verifier_is_refused_even_for_a_confidential_client(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    response = rp.exchange(code, verifier="", code_verifier=None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_wrong_client_secret_is_refused_and_the_code_survives(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    response = rp.exchange(code, secret="not-the-secret")
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
    assert rp.exchange(code).status_code == 200


def test_a_reused_code_is_refused_and_its_tokens_are_revoked(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    first = rp.exchange(code)
    assert first.status_code == 200
    access_token = first.json()["access_token"]
    userinfo = BrowserClient().get("/idp/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert userinfo.status_code == 200

    replay = rp.exchange(code)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert IssuedToken.objects.get().revoked_at is not None
    userinfo = BrowserClient().get("/idp/userinfo", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert userinfo.status_code == 401


def test_an_expired_code_is_refused(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = rp.exchange(code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_codes_live_sixty_seconds(rp, alice):
    rp.code(rp.sign_in(rp.authorize()))
    code = AuthorizationCode.objects.get()
    assert code.expires_at - code.created_at == timedelta(seconds=60)


def test_a_code_redeemed_with_another_redirect_uri_is_refused(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    response = rp.exchange(code, redirect_uri="http://localhost:8000/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_made_up_code_is_refused(rp, alice):
    response = rp.exchange("not-a-code")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_the_token_endpoint_refuses_get(rp):
    assert BrowserClient().get("/idp/oauth/token").status_code == 405


def test_a_bad_max_age_is_refused(rp):
    response = rp.authorize(max_age="soon")
    assert_error_to_client(response, rp, "invalid_request")


def test_error_pages_never_echo_secrets(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    response = rp.exchange(code, secret="not-the-secret")
    assert b"not-the-secret" not in response.content
    assert code.encode() not in response.content


def test_a_code_replayed_after_it_expired_still_revokes_its_tokens(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    assert rp.exchange(code).status_code == 200
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert rp.exchange(code).status_code == 400

    assert IssuedToken.objects.get().revoked_at is not None


@pytest.mark.parametrize("credentials", [b"\xff\xfe:\xff", b"fabrikam-web:\xff"])
def test_basic_credentials_that_are_not_utf8_are_an_invalid_client_not_a_crash(rp, credentials):
    response = BrowserClient().post(
        "/idp/oauth/token",
        {"grant_type": "authorization_code", "code": "x", "redirect_uri": REDIRECT_URI},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(credentials).decode(),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


# Characters Authlib will not put in an error description (RFC 6749 §5.2 allows only
# %x20-21 / %x23-5B / %x5D-7E): the request is still refused with the protocol's error.
ODD_PARAMETERS = [
    {"redirect_uri": REDIRECT_URI + "\\"},
    {"redirect_uri": "http://localhost:8000/call\x00back"},
    {"response_type": "code\\"},
    {"response_type": 'code"'},
    {"scope": 'openid "profile'},
    {"state": "st\\ate", "response_type": "token"},
]


@pytest.mark.parametrize("overrides", ODD_PARAMETERS)
def test_odd_characters_at_authorize_get_the_protocols_error_not_a_500(rp, overrides):
    response = rp.authorize(**overrides)

    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response["Location"].startswith(REDIRECT_URI)
        assert query(response)["error"] in ("invalid_request", "unsupported_response_type")
    else:
        assert b"invalid_request" in response.content or b"unsupported" in response.content


@pytest.mark.parametrize("overrides", ODD_PARAMETERS)
def test_odd_characters_in_a_pushed_request_get_a_400_not_a_500(rp, overrides):
    response = rp.push(**overrides)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] in (
        "invalid_request",
        "unsupported_response_type",
        "invalid_scope",
    )
