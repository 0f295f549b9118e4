"""RFC 9396: the fabrikam_transfer type's schema, refused as invalid_authorization_details
wherever a request can carry it (pushed, or straight to /authorize)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from devidp.rar import (
    InvalidAuthorizationDetailsError,
    Payment,
    authorization_details_parse,
)

from .conftest import ISSUER, REDIRECT_URI, TRANSFER_DETAILS, authorization_details, query


def digits_of(script_zero: str, ascii_text: str) -> str:
    """`ascii_text` with its digits written in another script (Unicode digits are contiguous)."""
    return ascii_text.translate({ord("0") + d: ord(script_zero) + d for d in range(10)})


def without(name: str) -> str:
    return json.dumps([{k: v for k, v in TRANSFER_DETAILS.items() if k != name}])


VIOLATIONS = {
    "not JSON": "not json",
    "truncated JSON": authorization_details()[:-2],
    "empty": "",
    "an object, not an array": json.dumps(TRANSFER_DETAILS),
    "a string": json.dumps("fabrikam_transfer"),
    "an empty array": "[]",
    "two entries": json.dumps([TRANSFER_DETAILS, TRANSFER_DETAILS]),
    "an entry that is not an object": json.dumps(["fabrikam_transfer"]),
    "no type": without("type"),
    "a type that is not a string": authorization_details(type=1),
    "an unknown type": authorization_details(type="payment_initiation"),
    "a type in the wrong case": authorization_details(type="Fabrikam_Transfer"),
    "no amount": without("amount"),
    "no currency": without("currency"),
    "no source": without("source"),
    "no source name": without("source_name"),
    "no destination": without("destination"),
    "no payee": without("payee"),
    "no idempotency key": without("idempotency_key"),
    "an extra member": authorization_details(note="rent"),
    "no memo": without("memo"),
    "a memo of 141 characters": authorization_details(memo="m" * 141),
    "a memo with a line break": authorization_details(memo="Rent\n=1+1"),
    "a memo with a right-to-left override": authorization_details(memo="Rent \u202e001$"),
    "RFC 9396's common members, not in this type": authorization_details(actions=["initiate"]),
    "a negative amount": authorization_details(amount="-2500.00"),
    "a zero amount": authorization_details(amount="0.00"),
    "an amount without cents": authorization_details(amount="2500"),
    "an amount with three decimals": authorization_details(amount="2500.000"),
    "an amount with a thousands separator": authorization_details(amount="2,500.00"),
    "an amount as a JSON number": authorization_details(amount=2500.00),
    "an amount in exponent form": authorization_details(amount="2.5e3"),
    "an amount with a trailing newline": authorization_details(amount="2500.00\n"),
    "an amount with Arabic-Indic digits": authorization_details(
        amount=digits_of("\u0660", "2500.00")
    ),
    "an amount with spaces": authorization_details(amount=" 2500.00"),
    "a lowercase currency": authorization_details(currency="usd"),
    "a two-letter currency": authorization_details(currency="US"),
    "a currency that is not ASCII": authorization_details(currency="\uff35\uff33\uff24"),
    "a source with a letter": authorization_details(source="1000001A"),
    "a source with full-width digits": authorization_details(
        source=digits_of("\uff10", "10000011")
    ),
    "a source as a JSON number": authorization_details(source=10000011),
    "an empty source": authorization_details(source=""),
    "a source of 21 digits": authorization_details(source="1" * 21),
    "a destination with Devanagari digits": authorization_details(
        destination=digits_of("\u0966", "20000021")
    ),
    "a destination with a dash": authorization_details(destination="2000-0021"),
    "an empty destination": authorization_details(destination=""),
    "an empty payee": authorization_details(payee=""),
    "a payee of 101 characters": authorization_details(payee="B" * 101),
    "a payee with a right-to-left override": authorization_details(payee="Bob \u202e.O"),
    "a payee with a line break": authorization_details(payee="Bob O.\nand Eve"),
    "an empty source name": authorization_details(source_name=""),
    "a source name of 41 characters": authorization_details(source_name="C" * 41),
    "an idempotency key of 7 characters": authorization_details(idempotency_key="abcdefg"),
    "an idempotency key of 256 characters": authorization_details(idempotency_key="k" * 256),
    "an idempotency key with a space": authorization_details(idempotency_key="abc def ghi"),
    "an idempotency key that is not ASCII": authorization_details(idempotency_key="clé-12345"),
    "a member given twice": authorization_details()[:-2] + ', "amount": "1.00"}]',
    "NaN": authorization_details()[:-2] + ', "x": NaN}]',
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("raw", VIOLATIONS.values(), ids=VIOLATIONS.keys())
def test_the_schema_refuses(raw):
    with pytest.raises(InvalidAuthorizationDetailsError) as caught:
        authorization_details_parse(raw)
    assert caught.value.error == "invalid_authorization_details"


def test_the_schema_accepts_one_well_formed_transfer_and_returns_it_unchanged():
    assert authorization_details_parse(authorization_details()) == [TRANSFER_DETAILS]


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "0.01"},
        {"amount": "1000000.00"},
        {"source": "1", "destination": "9" * 20},
        {"payee": "Zoë Ångström-Nakamura", "source_name": "Épargne"},
        {"payee": "P" * 100, "source_name": "S" * 40},
        {"idempotency_key": "k" * 8},
        {"idempotency_key": "!~" * 127 + "x"},
        {"currency": "EUR"},
    ],
)
def test_the_schema_accepts_values_at_its_edges(changes):
    assert authorization_details_parse(authorization_details(**changes)) == [
        {**TRANSFER_DETAILS, **changes}
    ]


def test_a_payment_reads_as_the_approval_screen_says_it():
    payment = Payment.from_details([TRANSFER_DETAILS])
    assert str(payment) == ("$2,500.00 to Bob O., account ending 0021, from Checking ending 0011")


def test_a_payment_in_another_currency_names_it():
    payment = Payment.from_details([{**TRANSFER_DETAILS, "currency": "CHF", "amount": "12.50"}])
    assert payment.amount == "12.50 CHF"


# Over HTTP: at the PAR endpoint (JSON to the client) and at /authorize (back to the client).


@pytest.mark.django_db
@pytest.mark.parametrize("raw", VIOLATIONS.values(), ids=VIOLATIONS.keys())
def test_the_par_endpoint_refuses(rp, raw):
    response = rp.push(authorization_details=raw)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_authorization_details"
    assert "request_uri" not in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [authorization_details(), *list(VIOLATIONS.values())[:3]], ids=str)
def test_the_authorization_endpoint_refuses_details_by_value_well_formed_or_not(rp, raw):
    # By value they travel through the browser: only a pushed request may carry them (PAR).
    response = rp.browser.post("/idp/authorize", rp.params(authorization_details=raw))

    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI)
    params = query(response)
    assert params["error"] == "invalid_request"
    assert "pushed" in params["error_description"]
    assert (params["state"], params["iss"]) == (rp.state, ISSUER)
    assert "code" not in params


@pytest.mark.django_db
def test_authorization_details_given_twice_are_refused(rp):
    body = urlencode(
        [
            *rp.params(authorization_details=authorization_details()).items(),
            ("authorization_details", authorization_details(amount="1.00")),
        ]
    )
    response = rp.browser.post(
        "/idp/authorize", body, content_type="application/x-www-form-urlencoded"
    )
    assert query(response)["error"] == "invalid_request"
