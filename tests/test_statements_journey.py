"""The web-only step-up for real: the embedded IdP asks for the password and a TOTP code,
then the statement and its CSV come back from the API over HTTP."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from accounts.models import Account
from tests.journey import Browser, both_profiles

pytestmark = [pytest.mark.django_db(transaction=True), both_profiles]
ALICE = "alice@fabrikam.example"


def test_a_statement_steps_up_through_the_idp_and_downloads_as_csv(browser: Browser):
    browser.sign_in()
    page = browser.get("/accounts/1000000011/")
    assert b"<polyline" in page.content  # the balance sparkline

    step_up = browser.get("/accounts/1000000011/statements")

    assert step_up.status_code == 302 and "/idp/authorize" in step_up["Location"]
    asked = browser.authorization_request(step_up)  # in the URL, or pushed (fapi2)
    assert asked["acr_values"].startswith("http")
    assert "transfer" not in asked["scope"]  # no extra API scope for a web step-up
    pages: list[str] = []
    back = browser.through_idp(step_up, ALICE, pages=pages)
    assert pages == ["totp"]
    assert back["Location"] == "/accounts/1000000011/statements"

    statement = browser.get(back["Location"]).content.decode()
    assert "1000000011" in statement and "Closing balance" in statement

    download = browser.get("/accounts/1000000011/statements.csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert download["Content-Type"].startswith("text/csv")
    closing = Decimal(rows[-1][5])
    opening = Decimal(rows[1][5])
    assert closing == opening + sum(Decimal(row[4]) for row in rows[2:-3])
    # This month's statement closes on today's balance.
    assert closing == Account.objects.get(number="1000000011").balance

    # Within the window, other months open without another trip to the IdP.
    other_month = browser.get("/accounts/1000000011/statements?month=2000-01")
    assert other_month.status_code == 200 and b"No transactions in 2000-01" in other_month.content

    security = browser.get("/security").content.decode()
    assert "mfa" in security and "Step-up passed" in security
