"""Customers are (issuer, sub): another issuer's token with Alice's `sub` is someone else.

OpenID Connect Core §5.7. The API is pointed at a second issuer (a new Auth0 tenant, a
partner IdP) whose user happens to be called `test|alice`: over HTTP, that user gets new
accounts of their own and never reaches Alice's.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Customer
from accounts.selectors import mask_name, payee_lookup
from oidc_client.signals import signed_in
from tests.tokens import ISSUER, bearer

pytestmark = pytest.mark.django_db

OTHER_ISSUER = "https://other-idp.example/"


@pytest.fixture
def other_issuers_alice(mint_token, api_settings, alice_checking):
    """A token of another (trusted) issuer whose `sub` is Alice's."""
    api_settings.API_ISSUER = OTHER_ISSUER
    return mint_token(iss=OTHER_ISSUER, sub=alice_checking.customer.sub)


def test_another_issuers_token_with_alices_sub_never_sees_her_accounts(
    client, other_issuers_alice, alice_checking
):
    response = client.get("/api/accounts", headers=bearer(other_issuers_alice))

    assert response.status_code == 200
    numbers = [account["number"] for account in response.json()["accounts"]]
    assert alice_checking.number not in numbers
    newcomer = Customer.objects.get(issuer=OTHER_ISSUER, sub="test|alice")
    assert sorted(numbers) == sorted(newcomer.accounts.values_list("number", flat=True))
    assert Customer.objects.get(issuer=ISSUER, sub="test|alice") == alice_checking.customer


def test_another_issuers_token_with_alices_sub_cannot_read_her_history(
    client, other_issuers_alice, alice_checking
):
    response = client.get(
        f"/api/accounts/{alice_checking.number}/transactions",
        headers=bearer(other_issuers_alice),
    )

    assert response.status_code == 404


def test_another_issuers_token_with_alices_sub_cannot_spend_her_money(
    client, mint_token, api_settings, transfer_token, alice_checking, bob_checking
):
    api_settings.API_ISSUER = OTHER_ISSUER
    token = transfer_token(iss=OTHER_ISSUER, sub="test|alice")
    body = {"source": alice_checking.number, "destination": bob_checking.number, "amount": "5.00"}

    response = client.post(
        "/api/transfers",
        data=json.dumps(body),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": "other-issuer-0001"},
    )

    alice_checking.refresh_from_db()
    assert response.status_code == 422
    assert response.json()["detail"] == "That is not one of your accounts."
    assert alice_checking.balance == 1000


def _sign_in(rf, *, issuer: str, sub: str, **claims: str) -> None:
    """What the web client announces after a verified ID token (oidc_client.views)."""
    user = get_user_model().objects.get_or_create(username=sub)[0]
    claims = {"iss": issuer, "sub": sub, **claims}
    signed_in.send(None, request=rf.get("/"), user=user, claims=claims)


def test_a_new_customers_name_reaches_the_bank_at_web_sign_in_so_payers_see_it(rf):
    _sign_in(rf, issuer=ISSUER, sub="devidp|dana", name="Dana Ruiz", email="dana@example.com")

    customer = Customer.objects.get(issuer=ISSUER, sub="devidp|dana")
    assert customer.name == "Dana Ruiz"
    payee = payee_lookup(number=customer.accounts.get(kind="checking").number)
    assert payee is not None
    assert mask_name(payee.customer.name) == "Dana R."


def test_a_changed_name_is_picked_up_at_sign_in_and_kept_when_no_profile_is_granted(rf, alice):
    _sign_in(rf, issuer=alice.issuer, sub=alice.sub, name="Alice Ng-Park")
    _sign_in(rf, issuer=alice.issuer, sub=alice.sub)  # no `profile` scope: no `name` claim

    alice.refresh_from_db()
    assert alice.name == "Alice Ng-Park"
