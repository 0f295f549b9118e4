"""RFC 9126 pushed authorization requests: the endpoint, and /authorize by reference."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import Client as BrowserClient
from django.utils import timezone

from devidp.models import Client, PendingAuthorization, PushedAuthorizationRequest
from devidp.seed import demo_client_sync

from .conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    ISSUER,
    REDIRECT_URI,
    authorization_details,
    basic_auth,
    query,
    verify_access_token,
)

pytestmark = pytest.mark.django_db

URN = "urn:ietf:params:oauth:request_uri:"
OTHER_ID, OTHER_SECRET = "other-app", "other-app-secret"


@pytest.fixture
def other_client(demo) -> Client:
    client = Client(client_id=OTHER_ID, name="Other app", redirect_uris=REDIRECT_URI)
    client.set_client_secret(OTHER_SECRET)
    client.save()
    return client


def assert_json_error(response, status: int, error: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["error"] == error
    assert "request_uri" not in response.json()
    assert "Location" not in response


# The endpoint


def test_a_pushed_request_gets_a_one_time_request_uri(rp):
    response = rp.push()

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"request_uri", "expires_in"}
    assert body["expires_in"] == 60
    assert body["request_uri"].startswith(URN)
    random_part = body["request_uri"].removeprefix(URN)
    assert len(base64.urlsafe_b64decode(random_part + "==")) >= 16  # at least 128 bits


def test_client_secret_post_works_too(rp):
    response = BrowserClient().post(
        "/idp/oauth/par", {**rp.params(), "client_secret": CLIENT_SECRET}
    )
    assert response.status_code == 201, response.content


def test_the_client_secret_is_not_stored_with_the_request(rp):
    BrowserClient().post("/idp/oauth/par", {**rp.params(), "client_secret": CLIENT_SECRET})
    assert "client_secret" not in PushedAuthorizationRequest.objects.get().params


def test_only_a_hash_of_the_request_uri_is_stored(rp):
    request_uri = rp.request_uri()
    assert request_uri not in str(PushedAuthorizationRequest.objects.values())


def test_the_endpoint_is_in_the_discovery_document(demo):
    document = BrowserClient().get("/idp/.well-known/openid-configuration").json()
    assert document["pushed_authorization_request_endpoint"] == f"{ISSUER}/oauth/par"
    assert document["require_pushed_authorization_requests"] is False
    assert document["authorization_details_types_supported"] == ["fabrikam_transfer"]


def test_a_push_without_client_authentication_is_refused_with_401(rp):
    response = BrowserClient().post("/idp/oauth/par", rp.params())
    assert_json_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert not PushedAuthorizationRequest.objects.exists()


@pytest.mark.parametrize(
    "authorization",
    [basic_auth(secret="wrong"), basic_auth(client_id="nobody"), "Bearer " + CLIENT_SECRET],
)
def test_a_push_with_wrong_credentials_is_refused_with_401(rp, authorization):
    assert_json_error(rp.push(authorization=authorization), 401, "invalid_client")


def test_a_push_must_not_name_another_client_than_the_one_that_authenticated(rp, other_client):
    response = rp.push(authorization=basic_auth(OTHER_ID, OTHER_SECRET))
    assert_json_error(response, 400, "invalid_request")


def test_a_push_may_leave_client_id_to_the_authentication(rp, alice):
    request_uri = rp.request_uri(client_id=None)
    assert PushedAuthorizationRequest.objects.get().params["client_id"] == CLIENT_ID
    assert "/idp/u/login" in rp.authorize_pushed(request_uri)["Location"]


def test_a_pushed_request_cannot_contain_a_request_uri(rp):
    response = rp.push(request_uri=URN + "x" * 43)
    assert_json_error(response, 400, "invalid_request")


def test_the_endpoint_takes_only_post(rp):
    assert BrowserClient().get("/idp/oauth/par", rp.params()).status_code == 405


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "openid admin:everything"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"audience": "https://someone-else.example"}, "invalid_target"),
        ({"max_age": "soon"}, "invalid_request"),
    ],
)
def test_a_push_is_checked_as_the_authorization_endpoint_checks_a_request(rp, overrides, error):
    response = rp.push(**overrides)
    assert_json_error(response, 400, error)
    assert not PushedAuthorizationRequest.objects.exists()


def test_a_push_with_a_repeated_parameter_is_refused(rp):
    body = rp.params()
    response = BrowserClient().post(
        "/idp/oauth/par",
        {**body, "scope": [body["scope"], "openid transfer:funds"]},
        HTTP_AUTHORIZATION=basic_auth(),
    )
    assert_json_error(response, 400, "invalid_request")


# The authorization endpoint, by reference


def test_the_whole_flow_by_reference_ends_in_tokens_that_carry_the_payment(rp, alice):
    details = authorization_details()
    request_uri = rp.request_uri(
        scope="openid transfer:funds", authorization_details=details, max_age="0"
    )

    response = rp.authorize_pushed(request_uri)
    assert "/idp/u/login" in response["Location"]
    response = rp.sign_in(response)
    assert "/idp/u/consent" in response["Location"]
    response = rp.second_factor(rp.decide(response), alice)
    token_response = rp.exchange(rp.code(response))

    assert token_response.status_code == 200, token_response.content
    tokens = token_response.json()
    claims = verify_access_token(tokens["access_token"])
    assert claims["authorization_details"] == tokens["authorization_details"]
    assert claims["authorization_details"][0]["amount"] == "2500.00"


def test_every_parameter_comes_from_the_pushed_request(rp, alice):
    request_uri = rp.request_uri(state="pushed-state")
    response = rp.browser.get(
        "/idp/authorize",
        {
            "client_id": CLIENT_ID,
            "request_uri": request_uri,
            "state": "browser-state",
            "redirect_uri": "https://evil.example/callback",
            "scope": "openid transfer:funds",
        },
    )
    response = rp.sign_in(response)

    assert response["Location"].startswith(REDIRECT_URI)
    assert query(response)["state"] == "pushed-state"
    assert "code" in query(response)  # no transfer:funds, so no second factor was asked


def test_a_request_uri_works_once(rp, alice):
    request_uri = rp.request_uri()
    assert "/idp/u/login" in rp.authorize_pushed(request_uri)["Location"]

    again = rp.authorize_pushed(request_uri)

    assert again.status_code == 400
    assert b"invalid_request_uri" in again.content
    assert "Location" not in again
    assert PendingAuthorization.objects.count() == 1


def test_a_request_uri_used_once_stays_used_after_sign_in(rp, alice):
    request_uri = rp.request_uri()
    rp.code(rp.sign_in(rp.authorize_pushed(request_uri)))
    assert rp.authorize_pushed(request_uri).status_code == 400


def test_an_expired_request_uri_is_refused(rp, alice):
    request_uri = rp.request_uri()
    PushedAuthorizationRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = rp.authorize_pushed(request_uri)

    assert response.status_code == 400
    assert b"invalid_request_uri" in response.content


def test_a_request_uri_lives_sixty_seconds(rp):
    rp.request_uri()
    row = PushedAuthorizationRequest.objects.get()
    assert row.expires_at - row.created_at == timedelta(seconds=60)


def test_a_request_uri_pushed_by_one_client_is_refused_with_another_client_id(
    rp, alice, other_client
):
    request_uri = rp.request_uri()

    response = rp.authorize_pushed(request_uri, client_id=OTHER_ID)

    assert response.status_code == 400
    assert b"invalid_request_uri" in response.content
    # It was not spent either: the client that pushed it can still use it.
    assert "/idp/u/login" in rp.authorize_pushed(request_uri)["Location"]


def test_a_request_uri_without_a_client_id_is_refused(rp, alice):
    request_uri = rp.request_uri()
    response = rp.browser.get("/idp/authorize", {"request_uri": request_uri})
    assert response.status_code == 400


@pytest.mark.parametrize("request_uri", ["", URN, URN + "made-up", "https://evil.example/r"])
def test_a_made_up_request_uri_is_refused(rp, request_uri):
    response = rp.authorize_pushed(request_uri)
    assert response.status_code == 400
    assert b"invalid_request_uri" in response.content


def test_the_request_uri_also_works_with_a_post_to_authorize(rp, alice):
    request_uri = rp.request_uri()
    response = rp.browser.post(
        "/idp/authorize", {"client_id": CLIENT_ID, "request_uri": request_uri}
    )
    assert "/idp/u/login" in response["Location"]


# A client that must push


@pytest.fixture
def par_required(settings, demo) -> Client:
    settings.DEVIDP_REQUIRE_PAR = True
    return demo_client_sync()


def test_a_client_that_requires_par_has_requests_by_value_refused(rp, par_required):
    assert par_required.require_pushed_authorization_requests

    response = rp.authorize()

    assert response["Location"].startswith(REDIRECT_URI)
    params = query(response)
    assert (params["error"], params["state"], params["iss"]) == (
        "invalid_request",
        rp.state,
        ISSUER,
    )
    assert "code" not in params
    assert not PendingAuthorization.objects.exists()


def test_a_client_that_requires_par_hears_that_reason_before_any_other(rp, par_required):
    response = rp.authorize(code_challenge=None, authorization_details="not json")
    assert query(response)["error"] == "invalid_request"
    assert "push" in query(response)["error_description"]


def test_authorization_details_by_value_are_refused_even_when_par_is_optional(rp, alice):
    # What the red team sent: a payment the browser could have rewritten on its way here.
    response = rp.authorize(
        scope="openid transfer:funds", authorization_details=authorization_details()
    )

    params = query(response)
    assert response["Location"].startswith(REDIRECT_URI)
    assert (params["error"], params["state"]) == ("invalid_request", rp.state)
    assert "push" in params["error_description"]
    assert not PendingAuthorization.objects.exists()


def test_a_client_that_requires_par_signs_in_by_reference(rp, alice, par_required):
    tokens = rp.login(alice, pushed=True)
    assert verify_access_token(tokens["access_token"])["sub"] == alice.sub


def test_par_is_optional_unless_required(rp, alice, settings):
    settings.DEVIDP_REQUIRE_PAR = False
    demo_client_sync()
    assert "code" in query(rp.sign_in(rp.authorize()))


def test_issuing_a_code_forgets_expired_pushed_requests(rp, alice):
    rp.request_uri(state="stale")
    PushedAuthorizationRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    rp.login(alice, pushed=True)
    assert PushedAuthorizationRequest.objects.count() == 1  # the one just used
