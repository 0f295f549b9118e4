"""RFC 9396 rich authorization requests: the one `authorization_details` type Fabrikam defines.

A `fabrikam_transfer` entry names one payment exactly; the IdP shows it on the approval
screen and copies it unchanged into the access token, where the API matches it field by field.
So the schema is strict: exactly these members, each a string of a known shape, one entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from authlib.oauth2 import OAuth2Error

TRANSFER_TYPE = "fabrikam_transfer"
TYPES_SUPPORTED = [TRANSFER_TYPE]

# Each member of a fabrikam_transfer and the full shape of its (string) value.
_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")
_TRANSFER_MEMBERS = {
    "type": re.compile(re.escape(TRANSFER_TYPE)),
    "amount": re.compile(r"[0-9]+\.[0-9]{2}"),
    "currency": re.compile(r"[A-Z]{3}"),
    "source": _ASCII_DIGITS,
    "source_name": re.compile(r".{1,40}", re.DOTALL),
    "destination": _ASCII_DIGITS,
    "payee": re.compile(r".{1,100}", re.DOTALL),
    "idempotency_key": re.compile(r"[\x21-\x7e]{8,255}"),
    # What the payee reads with the payment (empty: none); shown on the approval screen.
    "memo": re.compile(r".{0,140}", re.DOTALL),
}
# Names are shown to the payer: a control character or a bidirectional override could reorder
# what they read on the approval screen, so none may appear in any member.
_DECEPTIVE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


class InvalidAuthorizationDetailsError(OAuth2Error):
    """RFC 9396 section 5: unknown type, or details that do not match the type's schema."""

    error = "invalid_authorization_details"


def _refuse(description: str) -> InvalidAuthorizationDetailsError:
    return InvalidAuthorizationDetailsError(description)


def _object_without_duplicate_members(pairs: list[tuple[str, object]]) -> dict:
    # Two "amount" members would show one value to the payer and give another to a parser
    # that keeps the first: refuse the ambiguity instead of picking one.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _refuse("authorization_details repeats a member.")
    return obj


def _no_constants(name: str) -> None:
    raise _refuse(f"authorization_details is not JSON ({name} is not a JSON number).")


def authorization_details_parse(raw: str) -> list[dict]:
    """The validated `authorization_details` array, exactly as sent; or the RFC 9396 error."""
    try:
        details = json.loads(
            raw,
            object_pairs_hook=_object_without_duplicate_members,
            parse_constant=_no_constants,
        )
    except (ValueError, TypeError, RecursionError) as exc:
        raise _refuse("authorization_details must be a JSON array.") from exc
    if not isinstance(details, list):
        raise _refuse("authorization_details must be a JSON array.")
    if len(details) != 1:
        raise _refuse("authorization_details must hold exactly one entry.")
    for entry in details:
        _transfer_validate(entry)
    return details


def _transfer_validate(entry: object) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
        raise _refuse("Each authorization_details entry is an object with a string type.")
    if entry["type"] not in TYPES_SUPPORTED:
        raise _refuse(f"Unsupported authorization_details type; supported: {TYPES_SUPPORTED}.")
    if set(entry) != set(_TRANSFER_MEMBERS):
        raise _refuse(f"A {TRANSFER_TYPE} has exactly the members {sorted(_TRANSFER_MEMBERS)}.")
    for name, shape in _TRANSFER_MEMBERS.items():
        value = entry[name]
        if not isinstance(value, str) or not shape.fullmatch(value) or _DECEPTIVE.search(value):
            raise _refuse(f"The {TRANSFER_TYPE} member {name!r} is not valid.")
    if Decimal(entry["amount"]) <= 0:
        raise _refuse(f"The {TRANSFER_TYPE} amount must be more than zero.")


@dataclass(frozen=True)
class Payment:
    """A validated fabrikam_transfer as the payer reads it on the approval screen."""

    amount: str
    payee: str
    destination_ending: str
    source_name: str
    source_ending: str
    memo: str = ""

    @classmethod
    def from_details(cls, details: list[dict]) -> Payment:
        (transfer,) = details
        amount = f"{Decimal(transfer['amount']):,.2f}"
        symbol = _CURRENCY_SYMBOLS.get(transfer["currency"])
        return cls(
            amount=f"{symbol}{amount}" if symbol else f"{amount} {transfer['currency']}",
            payee=transfer["payee"],
            destination_ending=transfer["destination"][-4:],
            source_name=transfer["source_name"],
            source_ending=transfer["source"][-4:],
            memo=transfer["memo"],
        )

    def __str__(self) -> str:
        return (
            f"{self.amount} to {self.payee}, account ending {self.destination_ending}, "
            f"from {self.source_name} ending {self.source_ending}"
        )


def payment_requested(params: dict[str, str]) -> Payment | None:
    """The payment a (stored, already validated) authorization request asks to approve."""
    raw = params.get("authorization_details")
    return Payment.from_details(authorization_details_parse(raw)) if raw else None
