"""The guard's declared rules, each refused over HTTP the way an attacker would try it:
a second factor from the future, a token of another client, a token with no
authentication context, and (the bank's rule) a token that claims to be the bank."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from api_auth.checks import api_auth_settings_check
from tests.tokens import bearer, post_transfer

pytestmark = pytest.mark.django_db


def post(client, token, payment, key="decorator-key-01"):
    return post_transfer(client, token, payment, key)


def test_an_auth_time_in_the_future_gets_a_step_up_challenge(
    client, transfer_token, payment, alice_checking
):
    response = post(client, transfer_token(auth_time=int(time.time()) + 3600), payment)

    assert response.status_code == 401
    assert 'error="insufficient_user_authentication"' in response["WWW-Authenticate"]
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("1000.00")


def test_an_auth_time_just_inside_the_leeway_is_accepted(client, transfer_token, payment):
    assert post(client, transfer_token(auth_time=int(time.time()) + 10), payment).status_code == 201


@pytest.mark.parametrize(
    "claims",
    [{"client_id": "another-app"}, {"client_id": None, "azp": "another-app"}, {"client_id": None}],
    ids=["client_id", "azp", "no-client"],
)
def test_another_client_of_the_issuer_cannot_move_money(
    client, transfer_token, payment, alice_checking, claims
):
    response = post(client, transfer_token(**claims), payment)

    assert response.status_code == 401
    assert "may not use the scope transfer:funds" in response.json()["detail"]
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("1000.00")


def test_the_allowed_client_named_by_azp_is_accepted(client, transfer_token, payment):
    token = transfer_token(client_id=None, azp="fabrikam-web")
    assert post(client, token, payment).status_code == 201


def test_another_client_may_still_read(client, mint_token, alice_checking):
    # The allow-list is per scope: read:accounts is open to any client of the issuer.
    response = client.get("/api/accounts", headers=bearer(mint_token(client_id="another-app")))
    assert response.status_code == 200


@pytest.mark.parametrize("missing", [("acr", "amr", "auth_time")], ids=["no-context"])
def test_a_token_without_authentication_context_is_challenged_by_default(
    client, transfer_token, payment, settings, missing
):
    del settings.API_REQUIRE_AUTH_CONTEXT  # the guard's own default: fail closed
    token = transfer_token(**dict.fromkeys(missing))

    response = post(client, token, payment)

    assert response.status_code == 401
    assert 'error="insufficient_user_authentication"' in response["WWW-Authenticate"]
    assert "acr_values=" in response["WWW-Authenticate"]


def test_turning_the_context_off_is_possible_but_warned_about(
    client, transfer_token, payment, settings
):
    settings.API_REQUIRE_AUTH_CONTEXT = False
    token = transfer_token(acr=None, amr=None, auth_time=None)

    assert post(client, token, payment).status_code == 201
    assert [p.id for p in api_auth_settings_check(None)] == ["api_auth.W004"]


def test_auth0_without_a_claim_namespace_is_a_start_up_error(settings):
    settings.API_ISSUER = "https://fabrikam.eu.auth0.com/"
    settings.API_REQUIRE_AUTH_CONTEXT = True
    settings.API_CLAIM_NAMESPACE = ""
    assert [p.id for p in api_auth_settings_check(None)] == ["api_auth.E006"]
    settings.API_CLAIM_NAMESPACE = "https://fabrikam.example/"
    assert api_auth_settings_check(None) == []


def test_an_allow_list_of_the_wrong_shape_is_a_start_up_error(settings):
    settings.API_ALLOWED_CLIENTS = {"transfer:funds": "fabrikam-web"}  # a string, not a list
    assert [p.id for p in api_auth_settings_check(None)] == ["api_auth.E007"]


@pytest.mark.parametrize("sub", ["fabrikam|bank", "fabrikam|contoso"])
def test_no_token_may_act_as_the_banks_own_records(client, transfer_token, mint_token, sub):
    from accounts.services import clearing_account

    clearing = clearing_account()
    read = client.get("/api/accounts", headers=bearer(mint_token(sub=sub)))
    assert read.status_code == 403
    assert read.json()["code"] == "subject_reserved"

    payment = {"source": clearing.number, "destination": "1000000011", "amount": "1000.00"}
    moved = post(client, transfer_token(sub=sub), payment)
    assert moved.status_code == 403
    clearing.refresh_from_db()
    assert clearing.balance == Decimal("0.00")
