"""One second factor, one transfer: a spent token stays spent however it is spelled, and
however long the records are kept. Over HTTP, against POST /api/transfers."""

from __future__ import annotations

import base64
import time
from decimal import Decimal

import pytest
from django.core.management import call_command

from api_auth.models import SpentToken
from tests.tokens import post_transfer

pytestmark = pytest.mark.django_db


def post(client, token, payment, key="respell-key-0001"):
    return post_transfer(client, token, payment, key)


def respellings(token: str) -> dict[str, str]:
    """The same signed token, spelled the ways a lenient base64url decoder accepts."""
    head, claims, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    # 256 signature bytes leave 4 unused bits in the last character: set one of them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(signature[-1]) | 0b0001]
    assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == signature
    return {
        "padded": f"{head}.{claims}.{signature}==",
        "standard alphabet": f"{head}.{claims}." + base64.b64encode(raw).rstrip(b"=").decode(),
        "low bits flipped": f"{head}.{claims}.{signature[:-1]}{last}",
        "padded header": f"{head}=.{claims}.{signature}",
    }


def token_with_both_alphabets(mint) -> str:
    # The standard-alphabet spelling differs only when the signature has a '-' or '_'.
    for _ in range(50):
        token = mint()
        if set(token.rsplit(".", 1)[1]) & {"-", "_"}:
            return token
    raise AssertionError("no signature with '-' or '_' in 50 tries")


@pytest.mark.parametrize("jti", [True, False], ids=["with-jti", "without-jti"])
def test_no_respelling_of_a_spent_token_moves_money_again(
    client, transfer_token, payment, alice_checking, settings, jti
):
    settings.API_ACCEPT_JWT_TYP = True  # Auth0's default profile: typ JWT, no jti

    def mint():
        if jti:
            return transfer_token()
        return transfer_token(jti=None, headers={"typ": "JWT"})

    token = token_with_both_alphabets(mint)
    assert post(client, token, payment).status_code == 201

    for name, spelling in respellings(token).items():
        assert spelling != token
        response = post(client, spelling, payment, key=f"respell-{name.replace(' ', '-')}")
        assert response.status_code == 401, name
        assert response.json()["code"] == "invalid_token", name

    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("975.00")  # one transfer, not five
    assert SpentToken.objects.count() == 1


def test_a_respelled_fresh_token_is_refused_before_it_is_spent(client, transfer_token, payment):
    token = token_with_both_alphabets(transfer_token)
    for spelling in respellings(token).values():
        response = post(client, spelling, payment)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
    assert not SpentToken.objects.exists()
    assert post(client, token, payment).status_code == 201  # the canonical one still works


def test_a_spent_token_stays_spent_across_a_purge_until_it_can_no_longer_be_accepted(
    client, transfer_token, payment, alice_checking, settings
):
    # A long step-up window and the largest leeway: the token is accepted until exp + 60.
    settings.API_STEP_UP_MAX_AGE = 900
    settings.API_TOKEN_LEEWAY = 60
    token = transfer_token(exp=int(time.time()) - 2)  # expired, still inside the leeway
    assert post(client, token, payment).status_code == 201

    call_command("purge_spent_tokens")
    replay = post(client, token, {**payment, "amount": "1.00"}, key="after-purge-0001")

    assert replay.status_code == 401
    assert "already been used" in replay.json()["detail"]
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("975.00")


def test_a_record_is_purged_once_its_token_can_never_be_accepted(
    client, transfer_token, payment, settings
):
    settings.API_TOKEN_LEEWAY = 60
    post(client, transfer_token(exp=int(time.time()) - 2), payment)
    spent = SpentToken.objects.get()
    assert spent.expires_at.timestamp() >= time.time() - 2 + 60  # past exp + max leeway

    SpentToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    call_command("purge_spent_tokens")
    assert not SpentToken.objects.exists()


def test_a_spent_token_is_refused_as_spent_even_with_a_request_the_view_refuses(
    client, transfer_token, payment
):
    # Spending is optimistic (the view runs first), so a view's own refusal must not hide
    # that the token was already used: the attacker learns nothing new from a bad body.
    token = transfer_token()
    assert post(client, token, payment, key="first-key-0001").status_code == 201

    replay = post(client, token, {**payment, "amount": "-5"}, key="other-key-0001")

    assert replay.status_code == 401
    assert 'error="invalid_token"' in replay["WWW-Authenticate"]
    assert SpentToken.objects.count() == 1
