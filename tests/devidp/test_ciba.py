"""CIBA Core 1.0 in poll mode (`devidp/ciba.py`): what sections 7 to 11 require of the
backchannel authentication endpoint and the `urn:openid:params:grant-type:ciba` grant,
each shown by a client's request that the OP must refuse, or answer just so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from jose import jwt as jose_jwt

from devidp.models import CIBA_GRANT_TYPE, BackchannelRequest, Client, PushRequest

from .conftest import (
    API_AUDIENCE,
    ISSUER,
    MFA_POLICY,
    authorization_details,
    basic_auth,
    published_key,
    verify_access_token,
)
from .phone import paired_phone

pytestmark = pytest.mark.django_db

ASSISTANT = "fabrikam-assistant"
ASSISTANT_SECRET = "demo-only-fabrikam-assistant-secret"
PAYMENT = authorization_details(amount="42.00", payee="Adatum R.", destination="1000000021")


def start(authorization: str | None = None, **params):
    data = {
        "scope": "openid transfer:funds",
        "login_hint": "alice@fabrikam.example",
        "binding_message": "FAB-4821",
        "acr_values": MFA_POLICY,
        "authorization_details": PAYMENT,
        **params,
    }
    return HttpClient().post(
        "/idp/bc-authorize",
        {k: v for k, v in data.items() if v is not None},
        HTTP_AUTHORIZATION=authorization or basic_auth(ASSISTANT, ASSISTANT_SECRET),
    )


def poll(auth_req_id: str, authorization: str | None = None):
    return HttpClient().post(
        "/idp/oauth/token",
        {"grant_type": CIBA_GRANT_TYPE, "auth_req_id": auth_req_id},
        HTTP_AUTHORIZATION=authorization or basic_auth(ASSISTANT, ASSISTANT_SECRET),
    )


@pytest.fixture
def phone(alice):
    return paired_phone(alice)


@pytest.fixture
def auth_req_id(phone) -> str:
    response = start()
    assert response.status_code == 200, response.content
    return response.json()["auth_req_id"]


def approve(phone, decision: str = "approve"):
    (request,) = phone.requests()
    response = phone.answer(request, decision=decision)
    assert response.status_code == 200, response.content
    return request


# --- section 4: discovery ---------------------------------------------------------------


def test_discovery_lists_the_endpoint_poll_mode_no_user_code_and_the_grant(demo):
    document = HttpClient().get("/idp/.well-known/openid-configuration").json()
    assert document["backchannel_authentication_endpoint"] == f"{ISSUER}/bc-authorize"
    assert document["backchannel_token_delivery_modes_supported"] == ["poll"]
    assert document["backchannel_user_code_parameter_supported"] is False
    assert CIBA_GRANT_TYPE in document["grant_types_supported"]


# --- section 7: the authentication request ----------------------------------------------


def test_a_successful_request_answers_auth_req_id_expires_in_and_interval(phone):
    response = start()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"auth_req_id", "expires_in", "interval"}
    assert len(body["auth_req_id"]) >= 43  # section 7.3: at least 128 bits, here 256
    assert body["expires_in"] == 120
    assert body["interval"] == 5
    assert response["Cache-Control"] == "no-store"


def test_the_client_must_authenticate(phone):
    response = start(authorization=basic_auth(ASSISTANT, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    anonymous = HttpClient().post("/idp/bc-authorize", {"scope": "openid", "login_hint": "x"})
    assert anonymous.status_code == 401
    assert not PushRequest.objects.exists()


def test_a_client_not_registered_for_ciba_is_unauthorized(phone):
    response = start(authorization=basic_auth())  # the web app's client: code flow only
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_scope_must_include_openid(phone):
    response = start(scope="transfer:funds")
    assert response.json()["error"] == "invalid_scope"


def test_a_scope_the_client_may_not_have_is_refused(phone):
    assert start(scope="openid read:accounts").json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "hints",
    [
        {"login_hint": None},
        {"id_token_hint": "x"},  # with the login_hint: two hints
        {"login_hint": None, "login_hint_token": "x"},
    ],
)
def test_exactly_one_supported_hint_is_required(phone, hints):
    response = start(**hints)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_an_unknown_person_is_unknown_user_id(phone):
    response = start(login_hint="nobody@fabrikam.example")
    assert response.json()["error"] == "unknown_user_id"


def test_an_id_token_hint_names_the_person(phone, auth_req_id):
    approve(phone)
    id_token = poll(auth_req_id).json()["id_token"]
    response = start(login_hint=None, id_token_hint=id_token, binding_message="FAB-0002")
    assert response.status_code == 200, response.content


def test_an_id_token_hint_issued_to_another_client_is_refused(rp, alice, phone):
    id_token = rp.login(alice)["id_token"]  # the web app's ID token
    response = start(login_hint=None, id_token_hint=id_token)
    assert response.json()["error"] == "invalid_request"


def test_a_forged_id_token_hint_is_refused(phone):
    response = start(login_hint=None, id_token_hint="eyJhbGciOiJub25lIn0.e30.")
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("message", ["x" * 41, "FAB\u202e1284", "line\nbreak"])
def test_a_binding_message_a_phone_cannot_show_is_invalid_binding_message(phone, message):
    response = start(binding_message=message)
    assert response.json()["error"] == "invalid_binding_message"


def test_requested_expiry_sets_expires_in_up_to_ten_minutes(phone):
    assert start(requested_expiry="60").json()["expires_in"] == 60
    request = BackchannelRequest.objects.get()
    assert request.expires_at - request.created_at == timedelta(seconds=60)
    PushRequest.objects.update(superseded_at=timezone.now())
    assert start(requested_expiry="99999").json()["expires_in"] == 600


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_malformed_requested_expiry_is_invalid_request(phone, value):
    assert start(requested_expiry=value).json()["error"] == "invalid_request"


def test_authorization_details_are_validated_as_at_par(phone):
    response = start(authorization_details=authorization_details(amount="-1.00"))
    assert response.json()["error"] == "invalid_authorization_details"


def test_the_phishing_resistant_policy_is_refused_a_phone_cannot_meet_it(phone):
    phishing = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"
    assert start(acr_values=phishing).json()["error"] == "invalid_request"


def test_a_person_without_a_paired_phone_is_refused_and_told_why(demo):
    response = start()
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "access_denied"
    assert "no paired phone" in body["error_description"]


def test_the_phone_shows_the_payment_and_the_binding_message(phone, auth_req_id):
    (request,) = phone.requests()
    assert request["app"] == "Fabrikam Assistant"
    assert request["payment"] == (
        "Pay $42.00 to Adatum R., account ending 0021, from Checking ending 0011"
    )
    assert request["binding_message"] == "FAB-4821"
    assert request["choices"] == []  # no browser to read a number from


# --- sections 10 and 11: the token request ------------------------------------------------


def test_before_the_phone_answers_the_client_hears_authorization_pending(auth_req_id):
    response = poll(auth_req_id)
    assert response.status_code == 400
    assert response.json()["error"] == "authorization_pending"


def test_polling_faster_than_the_interval_is_slow_down_and_the_interval_grows(auth_req_id):
    poll(auth_req_id)
    response = poll(auth_req_id)
    assert response.json()["error"] == "slow_down"
    assert BackchannelRequest.objects.get().interval == 10
    BackchannelRequest.objects.update(last_polled_at=timezone.now() - timedelta(seconds=11))
    assert poll(auth_req_id).json()["error"] == "authorization_pending"


def test_once_approved_the_tokens_carry_what_was_approved(phone, auth_req_id, alice):
    poll(auth_req_id)
    approve(phone)
    response = poll(auth_req_id)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    tokens = response.json()
    assert "refresh_token" not in tokens
    access = verify_access_token(tokens["access_token"])
    assert access["sub"] == alice.sub
    assert access["client_id"] == ASSISTANT
    assert access["aud"] == API_AUDIENCE
    assert access["scope"] == "openid transfer:funds"
    assert access["authorization_details"] == tokens["authorization_details"]
    assert access["authorization_details"][0]["amount"] == "42.00"
    assert access["acr"] == MFA_POLICY
    assert access["amr"] == ["swk", "mca", "mfa"]
    assert access["exp"] - access["iat"] == 120  # a payment approval's short life
    id_claims = jose_jwt.decode(
        tokens["id_token"],
        published_key(tokens["id_token"]),
        algorithms=["RS256"],
        audience=ASSISTANT,
        issuer=ISSUER,
        access_token=tokens["access_token"],
    )
    assert id_claims["sub"] == alice.sub
    assert "sid" not in id_claims  # no browser session took part
    assert id_claims["device_name"] == "Alice's phone"  # the phone that approved
    assert abs(id_claims["auth_time"] - timezone.now().timestamp()) < 10


def test_an_auth_req_id_works_once(phone, auth_req_id):
    approve(phone)
    assert poll(auth_req_id).status_code == 200
    again = poll(auth_req_id)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_an_auth_req_id_is_bound_to_the_client_that_asked(phone, auth_req_id):
    other = Client(client_id="other-agent", name="Other agent", grant_types=CIBA_GRANT_TYPE)
    other.set_client_secret("other-secret")
    other.save()
    approve(phone)
    stolen = poll(auth_req_id, authorization=basic_auth("other-agent", "other-secret"))
    assert stolen.json()["error"] == "invalid_grant"
    assert poll(auth_req_id).status_code == 200  # the rightful client still can


def test_a_made_up_auth_req_id_is_invalid_grant(phone):
    assert poll("made-up").json()["error"] == "invalid_grant"


def test_a_decline_on_the_phone_is_access_denied(phone, auth_req_id):
    approve(phone, decision="deny")
    response = poll(auth_req_id)
    assert response.json()["error"] == "access_denied"


def test_an_expired_request_is_expired_token(phone, auth_req_id):
    (request,) = phone.requests()
    BackchannelRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    PushRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert phone.answer(request).status_code == 409  # too late on the phone too
    assert poll(auth_req_id).json()["error"] == "expired_token"


def test_the_web_apps_client_cannot_use_the_ciba_grant(phone, auth_req_id):
    approve(phone)
    response = poll(auth_req_id, authorization=basic_auth())
    assert response.json()["error"] in ("unauthorized_client", "unsupported_grant_type")


def test_after_three_declines_in_a_row_a_ciba_request_is_refused_too(phone):
    for n in range(3):
        response = start(binding_message=f"FAB-000{n}", requested_expiry=str(60 + n))
        assert response.status_code == 200, response.content
        approve(phone, decision="deny")
    refused = start(binding_message="FAB-0009")
    assert refused.status_code == 403
    assert "paused until" in refused.json()["error_description"]


def test_a_second_request_for_the_same_payment_within_thirty_seconds_is_refused(auth_req_id):
    again = start()
    assert again.status_code == 403
    assert "You can send another in" in again.json()["error_description"]


def test_a_later_request_for_the_same_payment_replaces_the_open_one(phone, auth_req_id):
    PushRequest.objects.update(created_at=timezone.now() - timedelta(seconds=31))
    newer = start()
    assert newer.status_code == 200
    assert poll(auth_req_id).json()["error"] == "expired_token"  # the phone shows the new one
    assert len(phone.requests()) == 1
