"""RFC 7662 introspection: the API learns whether a token is active, revoked ones included."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import RSAKey

from devidp.checks import introspection_client_check, introspection_secret_deploy_check
from devidp.models import Client, IssuedToken

from .conftest import API_AUDIENCE, CLIENT_ID, CLIENT_SECRET, ISSUER, verify_access_token

pytestmark = pytest.mark.django_db

API_ID = "fabrikam-api"
API_SECRET = "demo-only-fabrikam-api-introspection-secret"
TRANSFER = {"scope": "openid transfer:funds"}


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def introspect(token: str, *, auth: str | None = None, **extra):
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": auth or basic(API_ID, API_SECRET)}
    return BrowserClient().post("/idp/oauth/introspect", {"token": token, **extra}, **headers)


@pytest.fixture(autouse=True)
def _api_credentials(settings):
    settings.DEVIDP_INTROSPECTION_CLIENT_ID = API_ID
    settings.DEVIDP_INTROSPECTION_CLIENT_SECRET = API_SECRET


@pytest.fixture
def tokens(rp, alice) -> dict:
    return rp.login(alice, **TRANSFER)


def test_an_active_token_introspects_as_active_with_its_claims(tokens):
    response = introspect(tokens["access_token"])

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    claims = verify_access_token(tokens["access_token"])
    assert body["active"] is True
    assert body["token_type"] == "Bearer"
    for name in ("scope", "client_id", "sub", "exp", "iat", "jti", "acr", "amr", "auth_time"):
        assert body[name] == claims[name], name
    assert (body["iss"], body["aud"], body["client_id"]) == (ISSUER, API_AUDIENCE, CLIENT_ID)
    assert body["sub"] == "devidp|alice"
    assert "transfer:funds" in body["scope"].split()


def test_a_token_revoked_by_a_reused_code_is_inactive(rp, alice):
    code = rp.code(rp.second_factor(rp.sign_in(rp.authorize(**TRANSFER)), alice))
    access_token = rp.exchange(code).json()["access_token"]
    assert introspect(access_token).json()["active"] is True

    assert rp.exchange(code).status_code == 400  # the replay revokes what the code produced

    assert introspect(access_token).json() == {"active": False}


def test_an_expired_token_is_inactive(tokens):
    IssuedToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert introspect(tokens["access_token"]).json() == {"active": False}


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", "é" * 50, "x" * 20_000, "...."])
def test_an_unknown_token_is_inactive(demo, token):
    response = introspect(token)
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_an_id_token_is_not_an_access_token(tokens):
    assert introspect(tokens["id_token"]).json() == {"active": False}


def test_a_token_signed_by_someone_else_is_inactive(tokens):
    claims = verify_access_token(tokens["access_token"])
    forged = jwt.encode(
        {"alg": "RS256", "typ": "at+jwt"},
        claims,
        RSAKey.generate_key(2048, private=True),
    )
    assert introspect(forged).json() == {"active": False}


def test_a_token_for_another_api_is_inactive_for_this_one(tokens, settings):
    settings.DEVIDP_AUDIENCE = "https://another-api.example"
    assert introspect(tokens["access_token"]).json() == {"active": False}


def test_a_token_type_hint_is_only_a_hint(tokens):
    for hint in ("access_token", "refresh_token", "something_else"):
        body = introspect(tokens["access_token"], token_type_hint=hint).json()
        assert body["active"] is True, hint


def test_a_request_without_a_token_is_invalid(demo):
    response = introspect("")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "auth",
    [
        basic(API_ID, "wrong-secret"),
        basic("someone", API_SECRET),
        basic(API_ID, ""),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic !!!not-base64",
        "Bearer " + API_SECRET,
    ],
)
def test_wrong_credentials_get_401_invalid_client(tokens, auth):
    response = introspect(tokens["access_token"], auth=auth)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert "active" not in response.json()


def test_no_credentials_get_401(tokens):
    response = BrowserClient().post("/idp/oauth/introspect", {"token": tokens["access_token"]})
    assert response.status_code == 401


def test_the_web_clients_credentials_are_refused(tokens):
    as_basic = introspect(tokens["access_token"], auth=basic(CLIENT_ID, CLIENT_SECRET))
    as_post = BrowserClient().post(
        "/idp/oauth/introspect",
        {"token": tokens["access_token"], "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )

    assert as_basic.status_code == 401
    assert as_post.status_code == 401
    assert as_basic.json()["error"] == as_post.json()["error"] == "invalid_client"


def test_a_registered_client_named_like_the_api_cannot_introspect(tokens):
    impostor = Client(client_id=API_ID, name="impostor", redirect_uris="https://x.example/")
    impostor.set_client_secret("impostor-secret")
    impostor.save()

    assert introspect(
        tokens["access_token"], auth=basic(API_ID, "impostor-secret")
    ).status_code == (401)


def test_the_api_credentials_do_not_work_at_the_token_endpoint(rp, alice):
    code = rp.code(rp.sign_in(rp.authorize()))
    response = BrowserClient().post(
        "/idp/oauth/token",
        {"grant_type": "authorization_code", "code": code, "code_verifier": rp.verifier},
        HTTP_AUTHORIZATION=basic(API_ID, API_SECRET),
    )
    assert response.json()["error"] == "invalid_client"


def test_an_empty_secret_turns_introspection_off(tokens, settings):
    settings.DEVIDP_INTROSPECTION_CLIENT_SECRET = ""
    assert introspect(tokens["access_token"], auth=basic(API_ID, "")).status_code == 401
    assert [w.id for w in introspection_client_check(None)] == ["devidp.W001"]


def test_introspection_takes_post_only(demo):
    assert BrowserClient().get("/idp/oauth/introspect").status_code == 405


def test_a_start_up_check_refuses_the_web_clients_id_for_the_api(settings):
    settings.DEVIDP_INTROSPECTION_CLIENT_ID = CLIENT_ID
    assert [e.id for e in introspection_client_check(None)] == ["devidp.E004"]


def test_the_deploy_check_flags_the_published_demo_secret(settings):
    assert [w.id for w in introspection_secret_deploy_check(None)] == ["devidp.W002"]
    settings.DEVIDP_INTROSPECTION_CLIENT_SECRET = "a-long-random-value"
    assert introspection_secret_deploy_check(None) == []


def test_discovery_advertises_the_endpoint_and_how_to_authenticate():
    document = BrowserClient().get("/idp/.well-known/openid-configuration").json()
    assert document["introspection_endpoint"] == f"{ISSUER}/oauth/introspect"
    assert document["introspection_endpoint_auth_methods_supported"] == ["client_secret_basic"]
