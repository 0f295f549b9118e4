"""The happy path, end to end: authorize, sign in, code, tokens, verified claims, userinfo."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import timedelta

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone
from jose import jwt as jose_jwt

from devidp.models import AuthorizationCode

from .conftest import (
    API_AUDIENCE,
    CLIENT_ID,
    CLIENT_SECRET,
    ISSUER,
    REDIRECT_URI,
    query,
    verify_access_token,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


def header(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def test_a_signed_in_user_gets_tokens_for_a_code_with_pkce(rp, alice):
    response = rp.authorize()
    assert response.status_code == 302
    assert "/idp/u/login?tx=" in response["Location"]

    response = rp.sign_in(response)
    code = rp.code(response)
    assert len(code) >= 22  # at least 128 bits of randomness

    token_response = rp.exchange(code)
    assert token_response.status_code == 200
    assert token_response["Cache-Control"] == "no-store"
    body = token_response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert "refresh_token" not in body


def test_the_id_token_carries_the_identity_and_the_real_factors(rp, alice):
    before = int(time.time())
    tokens = rp.login(alice)
    claims = verify_id_token(tokens["id_token"], access_token=tokens["access_token"])

    assert claims["iss"] == ISSUER
    assert claims["sub"] == "devidp|alice"
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == rp.nonce
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:fabrikam:pwd"
    assert before - 1 <= claims["auth_time"] <= int(time.time()) + 1
    assert claims["exp"] > claims["iat"]
    assert claims["sid"]
    assert claims["email"] == "alice@fabrikam.example"
    assert claims["name"] == "Alice Ng"
    assert header(tokens["id_token"])["kid"]


def test_the_access_token_is_an_rfc_9068_jwt_for_the_api(rp, alice):
    tokens = rp.login(alice)
    access = tokens["access_token"]
    claims = verify_access_token(access)

    assert header(access)["typ"] == "at+jwt"
    assert header(access)["alg"] == "RS256"
    assert header(access)["kid"]
    assert claims["aud"] == API_AUDIENCE
    assert claims["iss"] == ISSUER
    assert claims["sub"] == "devidp|alice"
    assert claims["client_id"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == 600
    assert claims["jti"]
    assert "read:accounts" in claims["scope"].split()
    assert "transfer:funds" not in claims["scope"].split()
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:fabrikam:pwd"
    assert claims["auth_time"]


def test_the_audience_can_also_be_asked_for_as_an_rfc_8707_resource(rp, alice):
    tokens = rp.login(alice, audience=None, resource=API_AUDIENCE)
    assert verify_access_token(tokens["access_token"])["aud"] == API_AUDIENCE


def test_client_secret_basic_authentication_works_too(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = BrowserClient().post(
        "/idp/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": rp.verifier,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content


def test_userinfo_answers_a_bearer_access_token(rp, alice):
    tokens = rp.login(alice)
    response = BrowserClient().get(
        "/idp/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert response.status_code == 200
    assert response.json() == {
        "sub": "devidp|alice",
        "name": "Alice Ng",
        "email": "alice@fabrikam.example",
    }


def test_userinfo_refuses_a_missing_or_forged_token():
    assert BrowserClient().get("/idp/userinfo").status_code == 401
    forged = BrowserClient().get("/idp/userinfo", HTTP_AUTHORIZATION="Bearer a.b.c")
    assert forged.status_code == 401
    assert "invalid_token" in forged["WWW-Authenticate"]


def test_a_second_sign_in_reuses_the_sso_session_without_a_password(rp, alice):
    rp.login(alice)
    again = rp.authorize(nonce="a-fresh-nonce")
    assert query(again)["code"]


def test_a_replayed_nonce_is_refused(rp, alice):
    rp.login(alice)
    again = rp.authorize()
    assert query(again)["error"] == "invalid_request"


def test_the_authorization_endpoint_also_takes_post(rp, alice):
    response = rp.browser.post("/idp/authorize", rp.params())
    assert response.status_code == 302
    assert "/idp/u/login?tx=" in response["Location"]


def test_issuing_a_code_forgets_codes_whose_tokens_have_all_expired(rp, alice):
    rp.login(alice)
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(hours=1))
    rp.login(alice, nonce="second")
    assert AuthorizationCode.objects.count() == 1


def test_the_idp_runs_under_another_issuer(rp, alice, settings):
    settings.DEVIDP_ISSUER = "http://127.0.0.1:8101/idp"
    response = rp.sign_in(rp.authorize())
    assert query(response)["iss"] == "http://127.0.0.1:8101/idp"
    tokens = rp.exchange(query(response)["code"]).json()
    claims = jose_jwt.get_unverified_claims(tokens["id_token"])
    assert claims["iss"] == "http://127.0.0.1:8101/idp"
    assert jose_jwt.get_unverified_claims(tokens["access_token"])["iss"] == claims["iss"]


def test_cancelling_sign_in_returns_access_denied_to_the_client(rp):
    start = rp.authorize()
    page = rp.browser.get(start["Location"]).content.decode()
    found = re.search(r'action="([^"]*/u/cancel[^"]*)"', page)
    assert found is not None
    cancel = found[1].replace("&amp;", "&")
    found = re.search(r'csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    csrf = found[1]

    response = rp.browser.post(cancel, {"csrfmiddlewaretoken": csrf})

    assert response["Location"].startswith(REDIRECT_URI)
    params = query(response)
    assert (params["error"], params["state"], params["iss"]) == ("access_denied", rp.state, ISSUER)
    assert "code" not in params
    assert rp.browser.get(start["Location"]).status_code == 400  # the link is spent
