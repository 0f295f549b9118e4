"""What the web pages read from the API's answers, as shapes checked before reading:
an answer of any other shape becomes `UnexpectedAnswer` (see `api_client.answer`).

A dict maps each key to the shape of its value, a one-item list is a list of that shape,
a tuple is "any of these", None is null, a type is an instance of it (a bool is not an
int), and a function is a test of a string.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

Shape = Any


def matches(value: Any, shape: Shape) -> bool:
    if isinstance(shape, dict):
        return isinstance(value, dict) and all(
            key in value and matches(value[key], inner) for key, inner in shape.items()
        )
    if isinstance(shape, list):
        return isinstance(value, list) and all(matches(item, shape[0]) for item in value)
    if isinstance(shape, tuple):
        return any(matches(value, option) for option in shape)
    if shape is None:
        return value is None
    if isinstance(shape, type):
        return isinstance(value, shape) and not (isinstance(value, bool) and shape is not bool)
    return isinstance(value, str) and bool(shape(value))


def pattern(regex: str) -> Callable[[str], bool]:
    """A string shape: the whole value matches `regex` (\\d is ASCII digits only)."""
    compiled = re.compile(regex, re.ASCII)
    return lambda value: compiled.fullmatch(value) is not None


def _is_timestamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


MONEY = pattern(r"-?\d{1,13}\.\d{2}")
ACCOUNT_NUMBER = pattern(r"\d{1,20}")  # it goes into URLs: /accounts/<number>/
MONTH = pattern(r"\d{4}-(0[1-9]|1[0-2])")
TIMESTAMP = _is_timestamp
UUID = _is_uuid

ACCOUNT = {
    "number": ACCOUNT_NUMBER,
    "kind": str,
    "currency": str,
    "balance": MONEY,
    "status": str,
}
ENTRY = {
    "created_at": TIMESTAMP,
    "amount": MONEY,
    "balance_after": MONEY,
    "memo": str,
    "counterparty": str,
    "counterparty_account": str,
}
ACCOUNTS = {"accounts": [ACCOUNT]}
HISTORY = {
    "account": ACCOUNT,
    "page": int,
    "pages": int,
    "previous_page": (int, None),
    "next_page": (int, None),
    "transactions": [ENTRY],
}
STATEMENT = {
    "account": ACCOUNT,
    "month": MONTH,
    "opening_balance": MONEY,
    "total_in": MONEY,
    "total_out": MONEY,
    "closing_balance": MONEY,
    "entries": [ENTRY],
    "previous_month": (MONTH, None),
    "next_month": (MONTH, None),
}
SECURITY_EVENTS = {
    "events": [{"outcome": str, "label": str, "detail": str, "created_at": TIMESTAMP}]
}
