"""The statements page: a web-only step-up from the ID token, and only the owner's months.

A stand-in OpenID Provider crafts the ID token claims; the web app reaches the real API
in-process (tests/web_api.py), so the statement comes from a real ledger.
"""

from __future__ import annotations

import csv
import io
import time
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import LedgerEntry, StepUpEvent
from accounts.statement_csv import _INVISIBLE, FORMULA_STARTS, SEPARATORS, statement_rows
from oidc_client import provider as oidc
from oidc_client.session import TOKENS_KEY
from tests.factories import AccountFactory, CustomerFactory, TransferFactory
from tests.oidc_client.oidc_provider import ISSUER
from transfers.models import Transfer

pytestmark = pytest.mark.django_db
MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
STATEMENT = "/accounts/1000000011/statements?month=2025-11"
CSV = "/accounts/1000000011/statements.csv?month=2025-11"


@pytest.fixture
def ledger():
    """Alice (the stand-in OP's `auth0|alice`): 1000.00 in October 2025, then three
    November transfers and one in December that must stay off November's statement."""
    alice = CustomerFactory.create(sub="auth0|alice", name="Alice Ng")
    checking = AccountFactory.create(
        customer=alice, number="1000000011", balance=Decimal("1000.00")
    )
    bob = AccountFactory.create(
        number="1000000021", customer__name="Bob Okafor", balance=Decimal("200.00")
    )
    LedgerEntry.objects.filter(account=checking).update(
        created_at=datetime(2025, 10, 2, tzinfo=UTC)
    )
    for day, source, destination, amount, memo in [
        (datetime(2025, 11, 3, tzinfo=UTC), checking, bob, "25.50", "Lunch"),
        (datetime(2025, 11, 9, tzinfo=UTC), bob, checking, "40.00", "Refund"),
        (datetime(2025, 11, 28, tzinfo=UTC), checking, bob, "4.50", "=HYPERLINK(evil)"),
        (datetime(2025, 12, 1, tzinfo=UTC), checking, bob, "1.00", "December"),
    ]:
        transfer = TransferFactory.create(
            source=source, destination=destination, amount=Decimal(amount), memo=memo
        )
        Transfer.objects.filter(pk=transfer.pk).update(created_at=day)
        LedgerEntry.objects.filter(reference=transfer.pk).update(created_at=day)
    return checking


@pytest.fixture
def op(web_op):
    return web_op


@pytest.fixture
def signed_in(client, op, ledger):
    """Alice signed in with a password only (amr=pwd), as the sign-in normally is."""
    params = op.authorize(client)
    client.get("/callback", {"code": "c", "state": params["state"], "iss": ISSUER})
    assert SESSION_KEY in client.session
    return client


def step_up(client, op, path=STATEMENT, **claims):
    """Open `path`, which must send the browser to the OP; come back with `claims`."""
    params = op.authorize(client, path)
    op.claim_overrides = {
        "amr": ["pwd", "mfa"],
        "acr": MFA,
        "auth_time": int(time.time()),
        **claims,
    }
    response = client.get("/callback", {"code": "c2", "state": params["state"], "iss": ISSUER})
    return response, params


def test_without_a_second_factor_the_statement_sends_the_user_to_the_idp(signed_in, op):
    response = signed_in.get(STATEMENT)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}authorize"
    params = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert params["acr_values"] == MFA
    assert "max_age" not in params  # the IdP decides about the password; the factor is a must
    assert params["scope"] == "openid"  # web-only step-up: no extra API scope
    assert "full account history" in params["purpose"]  # the IdP says why, not "a page"


def test_a_transfer_step_up_within_the_window_opens_the_statement_too(signed_in, op):
    op.token_overrides = {"access_token": "elevated-token", "scope": "openid transfer:funds"}
    step_up(signed_in, op, path="/transfers/new")

    page = signed_in.get(STATEMENT)

    assert page.status_code == 200
    assert "Statement for 2025-11" in page.content.decode()


def test_a_fresh_second_factor_opens_the_statement_and_returns_to_the_month(signed_in, op):
    back, _ = step_up(signed_in, op)

    assert back.status_code == 302
    assert back["Location"] == STATEMENT  # the month survived the round trip
    page = signed_in.get(STATEMENT)
    html = page.content.decode()
    assert page.status_code == 200
    assert "1000000011" in html  # the full account number
    assert "Statement for 2025-11" in html
    assert "$1,000.00" in html and "$1,010.00" in html  # opening and closing
    assert "December" not in html
    assert "no-store" in page["Cache-Control"]
    assert "Opened with your second factor" in html  # said once, by the page itself
    assert "Second factor confirmed" not in html
    assert StepUpEvent.objects.filter(sub="auth0|alice", outcome="step_up_passed").exists()

    download = signed_in.get(CSV)
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        'attachment; filename="fabrikam-1000000011-2025-11.csv"'
    )


def test_the_csv_has_the_ledgers_rows_and_totals(signed_in, op, ledger):
    step_up(signed_in, op)

    rows = list(csv.reader(io.StringIO(signed_in.get(CSV).content.decode())))

    header, opening, *entries, total_in, total_out, closing = rows
    assert header[-2:] == ["Amount", "Balance"]
    november = LedgerEntry.objects.filter(
        account=ledger,
        created_at__gte=datetime(2025, 11, 1, tzinfo=UTC),
        created_at__lt=datetime(2025, 12, 1, tzinfo=UTC),
    ).order_by("created_at", "id")
    assert [(row[0], row[4], row[5]) for row in entries] == [
        (f"{e.created_at:%Y-%m-%d}", f"{e.amount:.2f}", f"{e.balance_after:.2f}") for e in november
    ]
    assert opening[1:] == ["Opening balance", "", "", "", "1000.00"]
    amounts = [Decimal(row[4]) for row in entries]
    assert Decimal(total_in[4]) == sum(a for a in amounts if a > 0) == Decimal("40.00")
    assert Decimal(total_out[4]) == sum(a for a in amounts if a < 0) == Decimal("-30.00")
    assert closing[0] == "2025-11-30"
    last = november.last()
    assert last is not None
    assert Decimal(closing[5]) == Decimal(opening[5]) + sum(amounts) == last.balance_after
    assert entries[-1][1] == "'=HYPERLINK(evil)"  # never a formula in a spreadsheet


def test_a_stale_second_factor_is_asked_for_again(signed_in, op, settings):
    step_up(signed_in, op)
    tokens = signed_in.session[TOKENS_KEY]
    assert signed_in.get(STATEMENT).status_code == 200

    session = signed_in.session
    session[TOKENS_KEY] = {
        **tokens,
        "claims": {**tokens["claims"], "auth_time": int(time.time()) - 3600},
    }
    session.save()

    response = signed_in.get(STATEMENT)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{ISSUER}authorize")
    assert signed_in.get(CSV).status_code in (302, 403)  # the download is guarded too


def test_a_step_up_without_mfa_explains_instead_of_looping(signed_in, op):
    refused, _ = step_up(signed_in, op, amr=["pwd"], acr="urn:fabrikam:pwd")
    assert refused.status_code == 403

    again = signed_in.get(STATEMENT)

    assert again.status_code == 403
    assert b"did not ask again automatically" in again.content
    assert b"month=2025-11&amp;retry=1" in again.content  # "Verify again" keeps the month
    retry = signed_in.get(STATEMENT + "&retry=1")
    assert retry.status_code == 302 and retry["Location"].startswith(f"{ISSUER}authorize")
    flow = next(iter(signed_in.session[oidc.FLOWS_KEY].values()))
    assert flow["next_url"] == STATEMENT  # `retry` never comes back to bypass the guard


def test_another_customers_statement_is_not_found_even_after_stepping_up(signed_in, op, ledger):
    step_up(signed_in, op)

    assert signed_in.get("/accounts/1000000021/statements").status_code == 404
    assert signed_in.get("/accounts/1000000021/statements.csv?month=2025-11").status_code == 404
    assert signed_in.get("/accounts/1999999999/statements").status_code == 404


def test_a_malformed_month_comes_back_with_a_message(signed_in, op):
    step_up(signed_in, op)

    response = signed_in.get("/accounts/1000000011/statements?month=November", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/1000000011/statements"
    assert b"Choose a month" in response.content


def test_a_signed_out_visitor_signs_in_first(client, op):
    response = client.get(STATEMENT)

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")


def test_csv_text_cells_never_start_a_formula():
    statement = {
        "month": "2026-02",
        "opening_balance": "0.00",
        "total_in": "1.00",
        "total_out": "0.00",
        "closing_balance": "1.00",
        "entries": [
            {
                "created_at": "2026-02-03T10:00:00+00:00",
                "memo": "+1 555 0100",
                "counterparty": "@bob",
                "counterparty_account": "1000000021",
                "amount": "1.00",
                "balance_after": "1.00",
            }
        ],
    }

    _, entry, *_, closing = statement_rows(statement)

    assert entry[1:3] == ["'+1 555 0100", "'@bob"]
    assert entry[4] == "1.00"  # amounts stay signed decimal strings
    assert closing[0] == "2026-02-28"


def one_entry_statement(
    *, memo: str, counterparty: str = "B. Okafor", account: str = "1000000021"
) -> dict:
    """A month's statement as the API answers it, with one entry of 1.00."""
    return {
        "month": "2026-02",
        "opening_balance": "0.00",
        "total_in": "1.00",
        "total_out": "0.00",
        "closing_balance": "1.00",
        "entries": [
            {
                "created_at": "2026-02-03T10:00:00+00:00",
                "memo": memo,
                "counterparty": counterparty,
                "counterparty_account": account,
                "amount": "1.00",
                "balance_after": "1.00",
            }
        ],
    }


@pytest.mark.parametrize(
    "memo",
    [
        "=HYPERLINK(evil)",
        " =1+1",  # leading whitespace
        "\u00a0\u3000=1+1",  # no-break and ideographic spaces
        "\x00=1+1",  # a control character first
        "\u200b=1+1",  # a zero-width space first
        "\r\n@SUM(A1)",
        "\uff1d1+1",  # fullwidth equals sign
        "\uff0b1",  # fullwidth plus
        "\uff0d1",  # fullwidth minus
        "\uff20SUM(A1)",  # fullwidth commercial at
    ],
)
def test_a_memo_that_a_spreadsheet_would_run_is_neutralised(memo):
    statement = one_entry_statement(memo=memo, counterparty=memo, account=memo)

    _, entry, *_ = statement_rows(statement)

    assert entry[1:4] == ["'" + memo] * 3


@pytest.mark.parametrize("memo", ["Lunch", "Rent - March", "a=b", "50% off", "'quoted"])
def test_an_ordinary_memo_is_left_alone(memo):
    statement = one_entry_statement(memo=memo)

    _, entry, *_ = statement_rows(statement)

    assert entry[1:4] == [memo, "B. Okafor", "1000000021"]


@pytest.mark.parametrize(
    ("memo", "cell"),
    [
        ("Rent;=1+1", "Rent;'=1+1"),  # a spreadsheet whose list separator is `;`
        ("Rent,+1", "Rent,'+1"),
        ("a|@SUM(A1)", "a|'@SUM(A1)"),
        ("\t=1+1", "'\t'=1+1"),  # a tab first, and a formula after it
        ("x; \u200b-1", "x;' \u200b-1"),  # blanks and zero-width characters looked past
        ("Rent; March, 2026 | paid", "Rent; March, 2026 | paid"),
    ],
)
def test_a_formula_after_a_separator_is_neutralised_too(memo, cell):
    _, entry, *_ = statement_rows(one_entry_statement(memo=memo, counterparty=memo))

    assert entry[1:3] == [cell, cell]


def _opens_a_formula(piece: str) -> bool:
    first = next((c for c in piece if unicodedata.category(c) not in _INVISIBLE), "")
    return first in FORMULA_STARTS


cell_text = st.text(
    st.sampled_from([*FORMULA_STARTS, *SEPARATORS, " ", "\u200b", "\r", "a", "1", "'"])
    | st.characters(),
    max_size=30,
)


@given(memo=cell_text)
def test_no_piece_of_a_cell_split_on_any_separator_opens_a_formula(memo):
    """Whatever the memo, and whichever separator a spreadsheet splits it on, no piece
    starts a formula; and only `'` was added, so the memo still reads as typed."""
    cell = statement_rows(one_entry_statement(memo=memo))[1][1]

    for separator in SEPARATORS:
        assert not any(_opens_a_formula(piece) for piece in cell.split(separator))
    assert not _opens_a_formula(cell)
    assert cell.replace("'", "") == (memo or "Transfer").replace("'", "")
