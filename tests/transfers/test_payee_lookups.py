"""GET /api/payees/<number> names (masked) whoever owns an account number, so lookups are
counted per customer and per client address: enough to pay people, too few to harvest."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.test import Client, RequestFactory

from accounts.models import Account
from accounts.services import deposit_make
from accounts.throttle import CLIENT_ADDRESS_HEADER, client_address, client_address_vouch
from tests.factories import AccountFactory
from tests.tokens import bearer
from tests.web_api import sign_in_with

pytestmark = pytest.mark.django_db


def look_up(client, token, number, address="203.0.113.10"):
    return client.get(f"/api/payees/{number}", headers=bearer(token), REMOTE_ADDR=address)


def test_the_21st_lookup_in_ten_minutes_is_refused_with_retry_after(
    client, mint_token, bob_checking, alice_checking
):
    token = mint_token()
    answers = [look_up(client, token, f"10000{n:05d}").status_code for n in range(19)]
    answers.append(look_up(client, token, bob_checking.number).status_code)

    refused = look_up(client, token, bob_checking.number)

    assert set(answers) == {404, 200}  # misses count too: enumeration is mostly misses
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "too_many_requests"
    assert "Try again in" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 600
    assert refused["Cache-Control"] == "no-store"


def test_another_customer_still_has_their_own_allowance(client, mint_token, bob_checking):
    for _ in range(21):
        look_up(client, mint_token(sub="test|harvester"), bob_checking.number, "203.0.113.20")

    answer = look_up(client, mint_token(sub="test|alice"), bob_checking.number, "203.0.113.30")

    assert answer.status_code == 200


def test_one_address_is_limited_whichever_identities_it_uses(client, mint_token, bob_checking):
    for n in range(60):  # three fresh identities, twenty lookups each
        answer = look_up(client, mint_token(sub=f"test|sybil-{n // 20}"), bob_checking.number)
        assert answer.status_code == 200, n

    refused = look_up(client, mint_token(sub="test|sybil-4"), bob_checking.number)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_the_limits_are_settings(client, mint_token, bob_checking, settings):
    settings.PAYEE_LOOKUPS_PER_CUSTOMER = 2
    token = mint_token()

    statuses = [look_up(client, token, bob_checking.number).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_a_loopback_caller_rotating_x_forwarded_for_is_limited_by_its_own_address(
    client, mint_token, bob_checking, settings
):
    """What the red team did from the same host: a new identity and a new X-Forwarded-For
    for every lookup. Loopback is no proof of being the web app: one address, one count."""
    settings.PAYEE_LOOKUPS_PER_ADDRESS = 3

    def lookup(n: int):
        return client.get(
            f"/api/payees/{bob_checking.number}",
            headers={**bearer(mint_token(sub=f"test|rotor-{n}")), "X-Forwarded-For": f"6.6.6.{n}"},
            REMOTE_ADDR="127.0.0.1",
        )

    assert [lookup(n).status_code for n in range(4)] == [200, 200, 200, 429]


def test_a_forged_web_app_header_is_no_address_either(client, mint_token, bob_checking, settings):
    settings.PAYEE_LOOKUPS_PER_ADDRESS = 1
    forged = [f"198.51.100.{n} {'0' * 64}" for n in range(2)]

    answers = [
        client.get(
            f"/api/payees/{bob_checking.number}",
            headers={**bearer(mint_token(sub=f"test|forger-{n}")), CLIENT_ADDRESS_HEADER: value},
            REMOTE_ADDR="127.0.0.1",
        ).status_code
        for n, value in enumerate(forged)
    ]

    assert answers == [200, 429]


def test_the_web_apps_own_signed_header_names_the_browser(settings):
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.8",  # wherever the web app runs
        headers={CLIENT_ADDRESS_HEADER: client_address_vouch("198.51.100.9")},
    )

    assert client_address(request) == "198.51.100.9"


def test_by_default_no_peer_is_trusted_to_forward(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", headers={"X-Forwarded-For": "198.51.100.1"}
    )

    assert client_address(request) == "127.0.0.1"


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", "", "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # anyone can write the header
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),  # a reverse proxy on this machine
        ("127.0.0.1", "6.6.6.6, 198.51.100.1, 127.0.0.1", "198.51.100.1"),
        ("::1", "2001:db8::1", "2001:db8::1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address_believes_forwarding_only_from_trusted_proxies(
    peer, forwarded, expected, settings
):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]  # a reverse proxy in front, configured
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers)

    assert client_address(request) == expected


def test_the_web_app_passes_on_the_browsers_address(web_op, mint_token, settings):
    """The API sees the web server as its client; the web app forwards who it serves, so
    one browser cycling through identities is counted as one address."""
    settings.PAYEE_LOOKUPS_PER_ADDRESS = 1
    AccountFactory(number="1000000021")
    browser = Client(REMOTE_ADDR="198.51.100.77")
    sign_in_with(browser, web_op, amr=["pwd", "mfa"], auth_time=int(time.time()))
    session = browser.session
    session["oidc_elevated"] = {
        "transfer:funds": {
            "access_token": "elevated",
            "expires_at": int(time.time()) + 240,
            "scope": "openid transfer:funds",
            "auth_time": int(time.time()),
        }
    }
    session.save()
    form = browser.get("/transfers/new")
    number = form.context["form"].fields["source"].choices[0][0]
    # Money of her own beyond the welcome deposit, which the form keeps from going to others.
    deposit_make(account=Account.objects.get(number=number), amount=Decimal("5.00"), memo="Gift")
    data = {"source": number, "destination": "1000000021", "amount": "1.00"}

    first = browser.post("/transfers/new", {**data, "idempotency_key": "payee-key-001"})
    second = browser.post("/transfers/new", {**data, "idempotency_key": "payee-key-002"})

    assert first.status_code == 302
    assert second.status_code == 200  # the form again, saying why
    assert "Too many" in second.content.decode()
    assert "Try again in" in second.content.decode()
