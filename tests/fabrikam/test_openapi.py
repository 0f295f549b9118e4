"""The OpenAPI description stays true: every route is described, and only real routes are,
and what the endpoints answer is what the description promises."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from accounts.api_schemas import FORMATS
from fabrikam import urls_api
from fabrikam.openapi import openapi_document
from tests.factories import TransferFactory
from tests.tokens import bearer

pytestmark = pytest.mark.django_db


def openapi_path(route: str) -> str:
    """'accounts/<str:number>/transactions' -> '/accounts/{number}/transactions'."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        *_, section, name = schema["$ref"].split("/")
        schema = document["components"][section][name]
    return schema


def assert_conforms(document: dict[str, Any], schema: dict[str, Any], value: Any) -> None:
    """jsonschema's verdict (Draft 2020-12, OpenAPI 3.1's dialect) on `value` against a
    schema of the document; every object lists its members, so an undocumented one fails."""
    Draft202012Validator(
        {**schema, "components": document["components"]}, format_checker=FORMATS
    ).validate(value)


def test_every_api_route_is_described_and_every_description_is_a_route():
    routes = {openapi_path(str(pattern.pattern)) for pattern in urls_api.urlpatterns}

    assert routes == set(openapi_document()["paths"])


def test_the_description_is_served_as_openapi_3_1(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0"
    assert response.json() == openapi_document()


def test_every_operation_names_its_security_and_every_ref_resolves(api_settings):
    document = openapi_document()
    schemes = document["components"]["securitySchemes"]

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for requirement in operation.get("security", document["security"]):
                assert requirement.keys() <= schemes.keys(), f"{method} {path}"
            if operation.get("security") != []:
                assert {"401", "403"} <= operation["responses"].keys(), f"{method} {path}"
    refs = re.findall(r"'\$ref': '([^']+)'", repr(document))
    for ref in refs:
        assert resolve(document, {"$ref": ref})


def test_what_the_endpoints_answer_is_what_the_description_promises(
    client, mint_token, alice_checking, bob_checking, charlie
):
    document = openapi_document()
    alice, charlie_token = mint_token(sub="test|alice"), mint_token(sub=charlie.sub)
    number = alice_checking.number
    transfer = TransferFactory.create(source=alice_checking, destination=bob_checking)
    calls = [
        ("/transfers/{transfer_id}", f"/api/transfers/{transfer.pk}", {}, alice),
        ("/transfers/{transfer_id}", f"/api/transfers/{transfer.pk}", {}, charlie_token),
        ("/payees/{number}", f"/api/payees/{bob_checking.number}", {}, alice),
        ("/payees/{number}", "/api/payees/1999999999", {}, alice),
        ("/accounts", "/api/accounts", {}, alice),
        ("/accounts", "/api/accounts", {}, None),
        ("/accounts", "/api/accounts", {}, mint_token(scope="openid")),
        ("/accounts", "/api/accounts", {"access_token": alice}, alice),
        ("/accounts", "/api/accounts", {}, "not-a-jwt"),
        ("/accounts/{number}/transactions", f"/api/accounts/{number}/transactions", {}, alice),
        ("/accounts/{number}/transactions", f"/api/accounts/{number}/transactions", {}, None),
        (
            "/accounts/{number}/transactions",
            f"/api/accounts/{number}/transactions",
            {"page": "x"},
            alice,
        ),
        (
            "/accounts/{number}/transactions",
            f"/api/accounts/{number}/transactions",
            {},
            charlie_token,
        ),
        ("/health", "/api/health", {}, None),
        ("/openapi.json", "/api/openapi.json", {}, None),
    ]

    for path, url, params, token in calls:
        response = client.get(url, params, headers=bearer(token) if token else {})
        documented = document["paths"][path]["get"]["responses"]
        status = str(response.status_code)
        assert status in documented, f"GET {url} answered an undocumented {status}"
        media_type = response["Content-Type"]
        content = documented[status]["content"]
        assert media_type in content, f"GET {url} answered {status} as {media_type}"
        assert_conforms(document, content[media_type]["schema"], response.json())
        if status in ("401", "403") or "WWW-Authenticate" in response:
            assert "WWW-Authenticate" in documented[status].get("headers", {})
