"""The API's OpenAPI 3.1 description as a Python dict, beside the URLs it describes
(fabrikam/urls_api.py), kept true by tests/fabrikam/test_openapi.py.

Add an endpoint by adding its entry to `PATHS` (and its answers' schemas to
`accounts/api_schemas.py`, which the web pages check answers against); `secured`,
`json_body` and `problem_body` build the repetitive parts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from accounts.api_schemas import MONTH, SCHEMAS
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
                        "schema": MONTH,
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
