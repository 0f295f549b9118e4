"""Charlie cannot see or move Alice's money through any page or API endpoint.

The sweep takes every route with an object id from the resolver and fills it with Alice's
objects, so a new page or endpoint is covered the day it lands. Each one is tried by
Alice first (it works, so the sweep is not testing a typo) and then by Charlie.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests

from accounts.models import Account, Customer
from oidc_client.session import ELEVATED_KEY, TOKENS_KEY
from tests.journey import Browser
from transfers.models import Transfer
from transfers.services import transfer_create

from .urls import routes

pytestmark = pytest.mark.django_db(transaction=True)

ALICE, CHARLIE = "alice@fabrikam.example", "charlie@fabrikam.example"
ALICE_CHECKING, CHARLIE_CHECKING = "1000000011", "1000000031"
SECRET_MEMO = "Alice's private memo"
# Routes that take someone else's object id on purpose, and what keeps them harmless.
BY_DESIGN = {
    # The payee lookup names any open account, masked ("Alice N."), so a sender can check
    # who they pay; it shows no balance and no history (checked below).
    "api:payee-detail",
}


@pytest.fixture
def alices_transfer(site) -> Transfer:
    return transfer_create(
        customer=Customer.objects.get(sub="devidp|alice"),
        source_number=ALICE_CHECKING,
        destination_number="1000000021",
        amount="3.21",
        memo=SECRET_MEMO,
        approved=True,
    )


@pytest.fixture
def object_routes(alices_transfer):
    values = {"number": ALICE_CHECKING, "transfer_id": alices_transfer.pk}
    found = [route for route in routes() if route.converters and route.name not in BY_DESIGN]
    found = [route for route in found if not route.path.startswith(("/admin/", "/idp/"))]
    unknown = {name for route in found for name in route.converters} - values.keys()
    assert not unknown, f"add Alice's value for {unknown} so the IDOR sweep covers it"
    return [(route.name, route.fill(values)) for route in found]


def signed_in(site: str, email: str) -> Browser:
    browser = Browser(site)
    browser.sign_in(email)
    return browser


def open_page(browser: Browser, email: str, path: str):
    """GET a page, passing any web step-up it asks for, as its owner would."""
    response = browser.through_idp(browser.get(path), email)
    if response.status_code == 302 and response["Location"] == path:  # back from the step-up
        response = browser.get(path)
    return response


def api_get(site: str, browser: Browser, path: str) -> requests.Response:
    token = browser.client.session[TOKENS_KEY]["access_token"]
    return requests.get(site + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_charlie_sees_none_of_alices_objects_on_any_page_or_endpoint(site, object_routes):
    alice, charlie = signed_in(site, ALICE), signed_in(site, CHARLIE)
    assert any(path.startswith("/api/") for _, path in object_routes)
    assert any(not path.startswith("/api/") for _, path in object_routes)

    for name, path in object_routes:
        if path.startswith("/api/"):
            owner, other = api_get(site, alice, path), api_get(site, charlie, path)
            body = other.text
        else:
            owner = open_page(alice, ALICE, path)
            other = open_page(charlie, CHARLIE, path)
            body = other.content.decode(errors="replace")
        assert owner.status_code == 200, f"{name}: Alice cannot open her own {path}"
        assert other.status_code == 404, f"{name}: Charlie got {other.status_code} for {path}"
        assert SECRET_MEMO not in body and "Alice Ng" not in body, name


def test_the_payee_lookup_shows_a_masked_name_and_nothing_else(site):
    charlie = signed_in(site, CHARLIE)

    response = api_get(site, charlie, f"/api/payees/{ALICE_CHECKING}")

    payee = response.json()["payee"]
    assert {k: payee[k] for k in ("number", "name")} == {
        "number": ALICE_CHECKING,
        "name": "Alice N.",
    }
    assert set(payee) == {"number", "name", "known"}  # and nothing else about Alice


def test_charlie_cannot_move_alices_money_through_the_form_or_the_api(site):
    charlie = signed_in(site, CHARLIE)
    charlie.through_idp(charlie.get("/transfers/new"), CHARLIE)  # a real step-up
    before = Account.objects.get(number=ALICE_CHECKING).balance
    form = charlie.get("/transfers/new")
    assert ALICE_CHECKING not in form.content.decode()  # not offered as a source

    refused = charlie.post(
        "/transfers/new",
        {
            "source": ALICE_CHECKING,
            "destination": CHARLIE_CHECKING,
            "amount": "100.00",
            "idempotency_key": "charlie-tries-00001",
        },
    )
    assert refused.status_code == 200  # the form again, with an error; nothing pending
    assert "pending_transfer" not in charlie.client.session

    elevated = charlie.client.session[ELEVATED_KEY]["transfer:funds"]["access_token"]
    response = requests.post(
        f"{site}/api/transfers",
        data=json.dumps(
            {"source": ALICE_CHECKING, "destination": CHARLIE_CHECKING, "amount": "100.00"}
        ),
        headers={
            "Authorization": f"Bearer {elevated}",
            "Content-Type": "application/json",
            "Idempotency-Key": "charlie-tries-00002",
        },
        timeout=10,
    )

    assert response.status_code == 422
    assert response.json()["field"] == "source"
    assert Account.objects.get(number=ALICE_CHECKING).balance == before
    assert not Transfer.objects.filter(destination_number=CHARLIE_CHECKING, amount=Decimal("100"))
