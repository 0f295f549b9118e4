"""The JSON the resource API answers with, described once, as JSON Schema (Draft 2020-12,
OpenAPI 3.1's dialect). The API's OpenAPI document (fabrikam/openapi.py) publishes these
schemas, and the web pages check every answer against them before reading it
(`api_client.answer`), so a new field is added here and nowhere else.

In `accounts`, not beside the document, because the web client that reads the answers lives
here and accounts imports neither transfers nor the project package.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

_MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["1234.50"]}
# Digits only: the web pages put it in their URLs (/accounts/<number>/).
_ACCOUNT_NUMBER = {"type": "string", "pattern": "^[0-9]{1,20}$"}
_PAGE_NUMBER = {"type": ["integer", "null"], "minimum": 1}
MONTH = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$", "examples": ["2026-11"]}

# Every object lists all its members (additionalProperties: false), so an undocumented one is
# caught by the tests; a problem may carry extension members (RFC 9457 §3.2).
SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details, with `code` and `field` extension members.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string", "examples": ["invalid_token", "not_found"]},
            "field": {"type": "string"},
            "transfer": {
                "$ref": "#/components/schemas/Transfer",
                "description": "Only on a declined transfer: the recorded attempt",
            },
        },
    },
    "Account": {
        "type": "object",
        "additionalProperties": False,
        "required": ["number", "kind", "currency", "balance", "status"],
        "properties": {
            "number": _ACCOUNT_NUMBER,
            "kind": {"enum": ["checking", "savings", "clearing"]},
            "currency": {"type": "string", "examples": ["USD"]},
            "balance": _MONEY,
            "status": {"enum": ["open", "frozen", "closed"]},
            "available_to_others": {
                **_MONEY,
                "description": "In the account list only: what this account can send to "
                "someone else (the customer's welcome money stays)",
            },
        },
    },
    "AccountList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["accounts"],
        "properties": {
            "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}}
        },
    },
    "Transaction": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "created_at",
            "amount",
            "balance_after",
            "memo",
            "counterparty",
            "counterparty_account",
            "transfer",
        ],
        "properties": {
            "id": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "amount": {**_MONEY, "description": "Negative for money leaving the account."},
            "balance_after": _MONEY,
            "memo": {"type": "string"},
            "counterparty": {"type": "string", "description": "Masked name, e.g. 'Bob O.'"},
            "counterparty_account": {"type": "string"},
            "transfer": {"type": "string", "format": "uuid"},
        },
    },
    "TransactionPage": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "account",
            "page",
            "pages",
            "count",
            "previous_page",
            "next_page",
            "transactions",
        ],
        "properties": {
            "account": {"$ref": "#/components/schemas/Account"},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "count": {"type": "integer", "minimum": 0},
            "previous_page": _PAGE_NUMBER,
            "next_page": _PAGE_NUMBER,
            "transactions": {
                "type": "array",
                "description": "Newest first.",
                "items": {"$ref": "#/components/schemas/Transaction"},
            },
        },
    },
    "Statement": {
        "type": "object",
        "additionalProperties": False,
        "description": "One calendar month (UTC): opening_balance + total_in - total_out = "
        "closing_balance.",
        "required": [
            "account",
            "month",
            "opening_balance",
            "total_in",
            "total_out",
            "closing_balance",
            "entries",
            "previous_month",
            "next_month",
        ],
        "properties": {
            "account": {"$ref": "#/components/schemas/Account"},
            "month": MONTH,
            "opening_balance": _MONEY,
            "total_in": {**_MONEY, "description": "Money that came in, a positive sum"},
            "total_out": {**_MONEY, "description": "Money that went out, a positive sum"},
            "closing_balance": _MONEY,
            "entries": {
                "type": "array",
                "description": "Oldest first.",
                "items": {"$ref": "#/components/schemas/Transaction"},
            },
            "previous_month": {
                **MONTH,
                "type": ["string", "null"],
                "description": "Null when the account has no earlier activity",
            },
            "next_month": {
                **MONTH,
                "type": ["string", "null"],
                "description": "Null for the current month",
            },
        },
    },
    "SecurityEvent": {
        "type": "object",
        "additionalProperties": False,
        "required": ["outcome", "label", "detail", "client_id", "created_at"],
        "properties": {
            "outcome": {
                "enum": [
                    "signed_in",
                    "step_up_passed",
                    "step_up_refused",
                    "token_accepted",
                    "token_replayed",
                    "challenged",
                    "declined",
                ]
            },
            "label": {
                "type": "string",
                "examples": ["Blocked: a used transfer token was sent again"],
            },
            "detail": {"type": "string", "description": "Facts only, never a token"},
            "client_id": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "SecurityEventList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["events"],
        "properties": {
            "events": {
                "type": "array",
                "description": "The caller's latest 50 events, newest first.",
                "items": {"$ref": "#/components/schemas/SecurityEvent"},
            }
        },
    },
    "TransferRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["source", "destination", "amount"],
        "properties": {
            "source": {
                "type": "string",
                "minLength": 1,
                "description": "One of the caller's account numbers",
            },
            "destination": {"type": "string", "minLength": 1},
            "amount": {**_MONEY, "description": "A decimal string, e.g. '12.50'"},
            "memo": {"type": "string", "maxLength": 140},
        },
    },
    "Transfer": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "status",
            "decline_reason",
            "decline_message",
            "source",
            "destination",
            "amount",
            "memo",
            "created_at",
        ],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "status": {"enum": ["completed", "declined"]},
            "decline_reason": {"type": ["string", "null"]},
            "decline_message": {"type": ["string", "null"]},
            "source": {"type": "string"},
            "destination": {"type": "string"},
            "amount": _MONEY,
            "memo": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "TransferResult": {
        "type": "object",
        "additionalProperties": False,
        "required": ["transfer"],
        "properties": {"transfer": {"$ref": "#/components/schemas/Transfer"}},
    },
    "Payee": {
        "type": "object",
        "additionalProperties": False,
        "required": ["payee"],
        "properties": {
            "payee": {
                "type": "object",
                "additionalProperties": False,
                "required": ["number", "name", "known"],
                "properties": {
                    "number": _ACCOUNT_NUMBER,
                    "name": {"type": "string", "description": "Masked, e.g. 'Bob O.'"},
                    "known": {
                        "type": "boolean",
                        "description": "The caller has paid this account before; a payment "
                        "to a new payee must be approved as exactly that payment (RFC 9396).",
                    },
                },
            }
        },
    },
    "Health": {
        "type": "object",
        "additionalProperties": False,
        "required": ["status", "database"],
        "properties": {"status": {"const": "ok"}, "database": {"const": "ok"}},
    },
}


def _is_timestamp(value: object) -> bool:
    """RFC 3339 date-time, as `datetime.fromisoformat` (what the pages use) reads it; the
    jsonschema package checks this format only with an optional dependency."""
    if not isinstance(value, str):
        return True  # not a string: `type` says so, not the format
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


FORMATS = FormatChecker()
FORMATS.checks("date-time")(_is_timestamp)


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for `SCHEMAS[name]`, with every `#/components/schemas/...` it refers to."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}}
    return Draft202012Validator(schema, format_checker=FORMATS)


def conforms(value: Any, name: str) -> bool:
    """Whether `value` is a `name` (e.g. "AccountList") as the API documents it."""
    return validator(name).is_valid(value)
