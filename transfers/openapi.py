"""The API's OpenAPI 3.1 description as a Python dict, kept true by tests/fabrikam/test_openapi.py.

Add an endpoint by adding its entry to `PATHS` (and its schemas to `SCHEMAS`); `secured`,
`json_body` and `problem_body` build the repetitive parts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from api_auth.jwks import discovery_url


def json_body(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def problem_body(description: str, *, challenge: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    if challenge:
        response["headers"] = {"WWW-Authenticate": {"$ref": "#/components/headers/WWWAuthenticate"}}
    return response


def secured(scope: str, operation: dict[str, Any]) -> dict[str, Any]:
    """An operation that needs a bearer token with `scope`, with the refusals every such
    operation can answer; responses the operation documents itself take precedence."""
    refusals = {
        "400": problem_body(
            "A bad parameter, or invalid_request (a token sent in both header and URL)",
            challenge=True,
        ),
        "401": problem_body(
            "No access token (challenge without error code), or invalid_token", challenge=True
        ),
        "403": problem_body(f"insufficient_scope: the token lacks {scope}", challenge=True),
    }
    return {
        **operation,
        "security": [{"bearerAuth": [scope]}, {"oidc": [scope]}],
        "responses": {**refusals, **operation["responses"]},
    }


_MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["1234.50"]}
_PAGE_NUMBER = {"type": ["integer", "null"], "minimum": 1}
_MONTH = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$", "examples": ["2026-11"]}

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
        "required": ["number", "kind", "currency", "balance", "status"],
        "properties": {
            "number": {"type": "string"},
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
        "required": ["accounts"],
        "properties": {
            "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}}
        },
    },
    "Transaction": {
        "type": "object",
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
            "month": _MONTH,
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
                **_MONTH,
                "type": ["string", "null"],
                "description": "Null when the account has no earlier activity",
            },
            "next_month": {
                **_MONTH,
                "type": ["string", "null"],
                "description": "Null for the current month",
            },
        },
    },
    "SecurityEvent": {
        "type": "object",
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
                ]
            },
            "label": {"type": "string", "examples": ["Token replay refused"]},
            "detail": {"type": "string", "description": "Facts only, never a token"},
            "client_id": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "SecurityEventList": {
        "type": "object",
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
        "required": [
            "id",
            "status",
            "decline_reason",
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
        "required": ["transfer"],
        "properties": {"transfer": {"$ref": "#/components/schemas/Transfer"}},
    },
    "Payee": {
        "type": "object",
        "required": ["payee"],
        "properties": {
            "payee": {
                "type": "object",
                "required": ["number", "name", "known"],
                "properties": {
                    "number": {"type": "string"},
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
        "required": ["status", "database"],
        "properties": {"status": {"const": "ok"}, "database": {"const": "ok"}},
    },
}

PATHS: dict[str, Any] = {
    "/accounts": {
        "get": secured(
            "read:accounts",
            {
                "operationId": "accounts_list",
                "summary": "The caller's accounts and balances",
                "responses": {"200": json_body("AccountList", "The caller's accounts")},
            },
        )
    },
    "/accounts/{number}/transactions": {
        "get": secured(
            "read:accounts",
            {
                "operationId": "account_transactions",
                "summary": "One of the caller's accounts and a page of its ledger",
                "parameters": [
                    {
                        "name": "number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                    },
                ],
                "responses": {
                    "200": json_body("TransactionPage", "A page of transactions, newest first"),
                    "404": problem_body("Not one of the caller's accounts, or no such page"),
                },
            },
        )
    },
    "/accounts/{number}/statement": {
        "get": secured(
            "read:accounts",
            {
                "operationId": "account_statement",
                "summary": "One of the caller's accounts: a month's statement with totals",
                "parameters": [
                    {
                        "name": "number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "month",
                        "in": "query",
                        "required": False,
                        "description": "YYYY-MM; the current month (UTC) when absent",
                        "schema": _MONTH,
                    },
                ],
                "responses": {
                    "200": json_body("Statement", "The month's statement"),
                    "404": problem_body("Not one of the caller's accounts"),
                },
            },
        )
    },
    "/security-events": {
        "get": secured(
            "read:accounts",
            {
                "operationId": "security_events",
                "summary": "The caller's sign-ins, step-ups and transfer-token verdicts "
                "(including refused replays)",
                "responses": {"200": json_body("SecurityEventList", "The caller's events")},
            },
        )
    },
    "/transfers": {
        "post": secured(
            "transfer:funds",
            {
                "operationId": "transfers_create",
                "summary": "Move money; the token must show a recent second factor and is "
                "spent by this request (single use)",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "description": "A retry with the same key, token and body gets the "
                        "first answer instead of moving money twice",
                        "schema": {"type": "string", "minLength": 8, "maxLength": 255},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/TransferRequest"}
                        }
                    },
                },
                "responses": {
                    "201": json_body("TransferResult", "The transfer was made"),
                    "401": problem_body(
                        "No token, invalid_token (including a token already spent), or "
                        "RFC 9470 insufficient_user_authentication with acr_values and max_age "
                        "(at or above PHISHING_RESISTANT_THRESHOLD, acr_values names the PAPE "
                        "phishing-resistant policy: only a passkey's token is accepted)",
                        challenge=True,
                    ),
                    "422": problem_body(
                        "An invalid transfer, a reused Idempotency-Key, or a declined "
                        "transfer (the problem then carries a `transfer` member)"
                    ),
                },
            },
        )
    },
    "/transfers/{transfer_id}": {
        "get": secured(
            "read:accounts",
            {
                "operationId": "transfer_detail",
                "summary": "One of the caller's transfers (a receipt)",
                "parameters": [
                    {
                        "name": "transfer_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    }
                ],
                "responses": {
                    "200": json_body("TransferResult", "The transfer"),
                    "404": problem_body("Not one of the caller's transfers"),
                },
            },
        )
    },
    "/payees/{number}": {
        "get": secured(
            "read:accounts",
            {
                "operationId": "payee_detail",
                "summary": "An open account's masked holder name, to confirm a payee",
                "parameters": [
                    {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": json_body("Payee", "The payee"),
                    "404": problem_body("No open account has that number"),
                    "429": {
                        **problem_body(
                            "too_many_requests: too many lookups by this customer or from "
                            "this address in the current window"
                        ),
                        "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                    },
                },
            },
        )
    },
    "/health": {
        "get": {
            "operationId": "health",
            "summary": "Liveness and database check (no authentication)",
            "security": [],
            "responses": {
                "200": json_body("Health", "The API and its database answer"),
                "503": problem_body("The database does not answer"),
            },
        }
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This description",
            "security": [],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1 document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}


def openapi_document() -> dict[str, Any]:
    """The description; built per call because the issuer and audience come from settings."""
    security_schemes: dict[str, Any] = {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "An RFC 9068 access token (RS256, typ at+jwt) from the issuer below, with "
                f"aud {settings.API_AUDIENCE!r}. Send it in the Authorization header only."
            ),
        },
        # Where clients get those tokens, and the scopes they ask for.
        "oidc": {
            "type": "openIdConnect",
            "openIdConnectUrl": discovery_url(settings.API_ISSUER or ""),
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Fabrikam Bank API",
            "version": "1.0.0",
            "description": (
                "A reference resource API protected by OAuth 2.0 bearer tokens. Errors are "
                "RFC 9457 problem+json; refusals carry an RFC 6750 WWW-Authenticate challenge."
            ),
        },
        "servers": [{"url": "/api"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": security_schemes,
            "headers": {
                "WWWAuthenticate": {
                    "description": (
                        'RFC 6750 challenge, e.g. Bearer realm="fabrikam-api", '
                        'error="insufficient_scope", scope="read:accounts"'
                    ),
                    "schema": {"type": "string"},
                },
                "RetryAfter": {
                    "description": "Seconds until the request may be made again",
                    "schema": {"type": "integer", "minimum": 1},
                },
            },
        },
    }
