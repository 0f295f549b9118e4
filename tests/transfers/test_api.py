"""POST /api/transfers: scope, recent MFA (RFC 9470), single-use tokens, idempotency."""

from __future__ import annotations

import json
import time
from collections import Counter
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.core.management import call_command

from accounts.models import StepUpEvent
from api_auth.conf import PHISHING_RESISTANT_ACR
from api_auth.models import SpentToken
from tests.tokens import MFA_POLICY as MFA
from tests.tokens import bearer
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _api_insists_on_recent_mfa(transfer_token):
    """Every test here runs with the API settings of the embedded IdP (see transfer_token)."""


def post(client, token, body=None, key="key-00000001", **headers):
    body = body if body is not None else {}
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/transfers",
        data=json.dumps(body),
        content_type="application/json",
        headers=bearer(token),
        **extra,
        **headers,
    )


@pytest.fixture
def payment(alice_checking, bob_checking):
    return {"source": alice_checking.number, "destination": bob_checking.number, "amount": "25.00"}


def balance(account):
    account.refresh_from_db()
    return account.balance


def test_a_fresh_mfa_token_moves_money_once(client, transfer_token, payment, alice_checking):
    response = post(client, transfer_token(), {**payment, "memo": "Lunch"})

    assert response.status_code == 201
    body = response.json()["transfer"]
    assert body["status"] == "completed"
    assert body["amount"] == "25.00"
    assert body["memo"] == "Lunch"
    assert balance(alice_checking) == Decimal("975.00")
    spent = SpentToken.objects.get()
    assert json.loads(spent.response_body)["transfer"]["id"] == body["id"]  # kept for a retry
    assert StepUpEvent.objects.filter(outcome="token_accepted", sub="test|alice").exists()
    assert response["Cache-Control"] == "no-store"


def test_a_token_without_transfer_funds_gets_insufficient_scope(client, mint_token, payment):
    response = post(client, mint_token(amr=["pwd", "mfa"], auth_time=int(time.time())), payment)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert 'scope="transfer:funds"' in response["WWW-Authenticate"]


def test_a_token_without_mfa_gets_an_rfc_9470_challenge(client, transfer_token, payment):
    response = post(client, transfer_token(amr=["pwd"], acr="urn:fabrikam:pwd"), payment)

    assert response.status_code == 401
    challenge = response["WWW-Authenticate"]
    assert 'error="insufficient_user_authentication"' in challenge
    assert f'acr_values="{MFA}"' in challenge
    assert 'max_age="300"' in challenge
    assert response["Content-Type"] == "application/problem+json"
    assert not Transfer.objects.filter(source__number=payment["source"], amount=25).exists()


def test_a_stale_second_factor_gets_a_max_age_challenge(client, transfer_token, payment):
    response = post(client, transfer_token(auth_time=int(time.time()) - 3600), payment)
    assert response.status_code == 401
    assert 'error="insufficient_user_authentication"' in response["WWW-Authenticate"]
    assert 'max_age="300"' in response["WWW-Authenticate"]
    assert not SpentToken.objects.exists()


def test_a_token_without_context_passes_only_when_the_setting_allows(
    client, mint_token, payment, settings
):
    token = mint_token(scope="transfer:funds")
    assert post(client, token, payment).status_code == 401
    settings.API_REQUIRE_AUTH_CONTEXT = False
    assert post(client, token, payment).status_code == 201


def test_namespaced_claims_from_an_auth0_action_are_read(client, mint_token, payment, settings):
    settings.API_CLAIM_NAMESPACE = "https://fabrikam.example/"
    token = mint_token(
        scope="transfer:funds",
        **{
            "https://fabrikam.example/amr": ["pwd", "mfa"],
            "https://fabrikam.example/auth_time": int(time.time()),
        },
    )
    assert post(client, token, payment).status_code == 201


def test_it_rejects_a_replayed_token(client, transfer_token, payment, alice_checking):
    token = transfer_token()
    assert post(client, token, payment, key="first-key-1").status_code == 201

    replay = post(client, token, payment, key="second-key-2")

    assert replay.status_code == 401
    assert 'error="invalid_token"' in replay["WWW-Authenticate"]
    assert "already been used" in replay.json()["detail"]
    assert balance(alice_checking) == Decimal("975.00")
    assert StepUpEvent.objects.filter(outcome="token_replayed").count() == 1


def test_an_exact_retry_gets_the_first_answer(client, transfer_token, payment, alice_checking):
    token = transfer_token()
    first = post(client, token, payment)
    retry = post(client, token, payment)

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert balance(alice_checking) == Decimal("975.00")


def test_the_same_token_and_key_with_another_body_is_a_replay(client, transfer_token, payment):
    token = transfer_token()
    post(client, token, payment)
    assert post(client, token, {**payment, "amount": "26.00"}).status_code == 401


def test_an_auth0_profile_token_without_jti_is_single_use_too(
    client, transfer_token, payment, settings
):
    settings.API_ACCEPT_JWT_TYP = True
    token = transfer_token(jti=None, headers={"typ": "JWT"})
    assert post(client, token, payment, key="auth0-key-1").status_code == 201
    assert SpentToken.objects.get().key.startswith("sig:")  # the signature's bytes name it
    assert post(client, token, payment, key="auth0-key-2").status_code == 401


@pytest.mark.parametrize("key", [None, "short", "has space in it", "x" * 256])
def test_an_idempotency_key_is_required_and_well_formed(client, transfer_token, payment, key):
    response = post(client, transfer_token(), payment, key=key)
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert not SpentToken.objects.exists()  # the token is not spent on a bad request


def test_a_reused_idempotency_key_with_another_body_is_refused(client, transfer_token, payment):
    post(client, transfer_token(), payment, key="same-key-123")
    response = post(client, transfer_token(), {**payment, "amount": "99.00"}, key="same-key-123")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_a_retried_request_with_a_new_token_returns_the_first_transfer(
    client, transfer_token, payment, alice_checking
):
    first = post(client, transfer_token(), payment, key="network-retry-1")
    second_token = transfer_token()
    again = post(client, second_token, payment, key="network-retry-1")

    assert again.status_code == 201
    assert again.json()["transfer"]["id"] == first.json()["transfer"]["id"]
    assert balance(alice_checking) == Decimal("975.00")
    assert post(client, second_token, payment, key="network-retry-2").status_code == 401


def test_a_decline_is_422_with_a_code_and_spends_the_token(
    client, transfer_token, payment, alice_checking, settings
):
    settings.TRANSACTION_APPROVAL_THRESHOLD = Decimal("10000.00")  # a plain token may try it
    settings.PHISHING_RESISTANT_THRESHOLD = Decimal("10000.00")  # and a code is enough
    token = transfer_token()
    response = post(client, token, {**payment, "amount": "5000.00"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == HTTPStatus(422).phrase  # as every other problem
    assert response.json()["code"] == "insufficient_funds"
    assert response.json()["transfer"]["status"] == "declined"
    assert balance(alice_checking) == Decimal("1000.00")
    assert post(client, token, {**payment, "amount": "1.00"}, key="other-key-1").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"destination": "1000000021", "amount": "1.00"}, "source"),
        ({"source": "1000000011", "amount": "1.00"}, "destination"),
        ({"source": "1000000011", "destination": "1000000021"}, "amount"),
        ({"source": "1000000011", "destination": "1000000021", "amount": "1.001"}, "amount"),
        ({"source": "1000000011", "destination": "1000000021", "amount": True}, "amount"),
        ({"source": "1000000011", "destination": "1000000021", "amount": "-3"}, "amount"),
    ],
)
def test_body_errors_name_the_field(
    client, transfer_token, alice_checking, bob_checking, body, field
):
    response = post(client, transfer_token(), body)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not SpentToken.objects.exists()


@pytest.mark.parametrize(
    "amount",
    # The form reads "$1,000.00" as the site writes it; the API stays strict.
    ["1_000", "\uff11\uff10", "\u0661\u0660", "1e3", "\u066b5", "$10.00", "1,000.00", "1 000"],
)
def test_an_amount_a_person_would_read_differently_is_refused(
    client, transfer_token, payment, alice_checking, amount
):
    response = post(client, transfer_token(), {**payment, "amount": amount})

    assert response.status_code == 422
    assert response.json()["field"] == "amount"
    assert "such as 12.50" in response.json()["detail"]
    assert balance(alice_checking) == Decimal("1000.00")
    assert not SpentToken.objects.exists()


def test_a_json_number_amount_is_read_as_a_decimal(client, transfer_token, payment, bob_checking):
    response = post(client, transfer_token(), {**payment, "amount": 0.1})
    assert response.status_code == 201
    assert balance(bob_checking) == Decimal("200.10")


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_400(client, transfer_token, raw):
    response = client.post(
        "/api/transfers",
        data=raw,
        content_type="application/json",
        headers={**bearer(transfer_token()), "Idempotency-Key": "key-00000001"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_body"


def test_charlie_cannot_move_alices_money(client, transfer_token, payment, charlie, alice_checking):
    response = post(client, transfer_token(sub=charlie.sub), payment)
    assert response.status_code == 422
    assert response.json()["field"] == "source"
    assert balance(alice_checking) == Decimal("1000.00")


def test_only_the_owner_can_read_a_transfer(client, mint_token, transfer_token, payment, charlie):
    created = post(client, transfer_token(), payment).json()["transfer"]

    mine = client.get(f"/api/transfers/{created['id']}", headers=bearer(mint_token()))
    theirs = client.get(
        f"/api/transfers/{created['id']}", headers=bearer(mint_token(sub=charlie.sub))
    )

    assert mine.status_code == 200
    assert mine.json()["transfer"] == created
    assert theirs.status_code == 404


def test_the_payee_lookup_shows_a_masked_name(client, mint_token, bob_checking, alice_checking):
    response = client.get(f"/api/payees/{bob_checking.number}", headers=bearer(mint_token()))
    assert response.json() == {
        "payee": {"number": bob_checking.number, "name": "Bob O.", "known": False}
    }
    own = client.get(f"/api/payees/{alice_checking.number}", headers=bearer(mint_token()))
    assert own.json()["payee"]["name"] == "Your checking account"
    assert own.json()["payee"]["known"] is True  # one's own account is never a stranger
    missing = client.get("/api/payees/0000000000", headers=bearer(mint_token()))
    assert missing.status_code == 404


def test_expired_token_records_are_purged(client, transfer_token, payment):
    post(client, transfer_token(exp=int(time.time()) + 60), payment)
    call_command("purge_spent_tokens")
    assert SpentToken.objects.count() == 1  # not expired yet

    SpentToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    call_command("purge_spent_tokens")
    assert not SpentToken.objects.exists()


def counted_statements(send, side: str) -> list[str]:
    """The SQL statements of one new transfer (the customer already exists): send(key)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    send(f"warm-up-{side}")
    with CaptureQueriesContext(connection) as queries:
        response = send(f"counted-{side}")
    assert response.status_code == 201, response.content
    return [query["sql"] for query in queries.captured_queries]


def table(sql: str) -> str:
    """The first table a statement names (SELECT ... FROM "t", INSERT INTO "t", UPDATE "t")."""
    return sql.split('"')[1] if '"' in sql else sql.split()[0]


def kinds(statements: list[str]) -> list[str]:
    # SQLite logs "BEGIN IMMEDIATE"; the first word is what matters.
    return [sql.split()[0] for sql in statements]


@pytest.mark.django_db(transaction=True)  # as in production: no test transaction around it
@pytest.mark.urls("scripts.benchsite.urls")  # the site plus the auth-off endpoint of `make bench`
def test_a_transfer_costs_at_most_11_sql_statements_one_commit_and_no_savepoint(
    client, transfer_token, payment, alice
):
    with_auth = counted_statements(
        lambda key: post(client, transfer_token(), payment, key=key), "with-auth"
    )
    without_auth = counted_statements(
        lambda key: client.post(
            "/bench/transfers",
            data=json.dumps(payment),
            content_type="application/json",
            headers={"X-Bench-Sub": alice.sub, "Idempotency-Key": key},
        ),
        "without-auth",
    )

    listing = "\n".join(sql[:120] for sql in with_auth)
    data = [s for s in kinds(with_auth) if s not in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}]
    assert len(data) <= 11, listing  # 12 before: the spent token was looked up first
    assert not any("SAVEPOINT" in s for s in kinds(with_auth) + kinds(without_auth)), listing
    # One transaction: the token's spend and the security event commit with the transfer,
    # and nothing runs after COMMIT (the event used to be a second, autocommitted write).
    assert kinds(with_auth).count("COMMIT") == 1, listing
    assert kinds(with_auth)[-1] == "COMMIT", listing
    assert not [sql for sql in with_auth if sql.startswith("SELECT") and "spenttoken" in sql]
    # What authentication adds to the same transfer: exactly the spend and its event.
    added = Counter(map(table, with_auth)) - Counter(map(table, without_auth))
    assert added == Counter({"api_auth_spenttoken": 1, "accounts_stepupevent": 1}), listing


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("memo", "\x00=1+1"),  # PostgreSQL refuses NUL in text: it must never reach it
        ("memo", "Rent\x1b[2J"),
        ("source", "\x001000000011"),
        ("destination", "1000000021\x00"),
        ("destination", "\u0661\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0662\u0661"),
        ("destination", "1000-000-021"),
    ],
)
def test_control_characters_and_odd_account_numbers_are_refused_by_field(
    client, transfer_token, payment, alice_checking, field, value
):
    response = post(client, transfer_token(), {**payment, field: value})

    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert balance(alice_checking) == Decimal("1000.00")
    assert not Transfer.objects.filter(source=alice_checking).exists()


@pytest.mark.parametrize("number", ["%00", "1000000011%00", "%D9%A1%D9%A0", "1000000011%0A"])
@pytest.mark.parametrize("path", ["payees/{}", "accounts/{}/transactions", "accounts/{}/statement"])
def test_an_account_number_that_is_not_digits_is_simply_not_found(
    client, mint_token, alice_checking, path, number
):
    response = client.get("/api/" + path.format(number), headers=bearer(mint_token()))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_challenge_is_kept_in_the_security_history_even_from_inside_the_transaction(
    client, transfer_token, payment, settings
):
    post(client, transfer_token(amr=["pwd"], acr="urn:fabrikam:pwd"), payment)
    settings.TRANSACTION_APPROVAL_THRESHOLD = Decimal("10000.00")  # a plain token may try it
    settings.PHISHING_RESISTANT_THRESHOLD = Decimal("100.00")  # asked in the view, not before
    post(client, transfer_token(), {**payment, "amount": "500.00"})

    challenged = StepUpEvent.objects.filter(outcome="challenged", sub="test|alice")
    assert [event.detail for event in challenged.order_by("id")] == [
        f"POST /api/transfers: needs {MFA}",
        f"POST /api/transfers: needs {PHISHING_RESISTANT_ACR}",
    ]
