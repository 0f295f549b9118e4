"""RFC 7662: a token the issuer revoked moves no money and reads nothing; one question per
transfer, at most one per token for a page's reads; the issuer down means 503 and nothing
spent. Against a real loopback server."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.core.cache import cache
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from api_auth import introspection
from api_auth.models import SpentToken
from tests.tokens import EXTERNAL_URL, DPoPKey, bearer, dpop_headers, post_transfer

pytestmark = pytest.mark.django_db
CREDENTIALS = ("fabrikam-api", "demo-only-introspection-secret")


class Issuer:
    """Discovery and an introspection endpoint (pytest-httpserver, on loopback) that answer
    as told, logging each introspection call."""

    def __init__(self, server: HTTPServer) -> None:
        self.active = True
        self.down = False
        self.advertise = True
        self.discovery_is_a_list = False
        self.cnf: dict | None = None  # RFC 9449 §6.2: the binding it reports, if any
        self.calls: list[dict] = []
        self.url = server.url_for("/idp")
        server.expect_request("/idp/oauth/introspect", method="POST").respond_with_handler(
            self._introspect
        )
        server.expect_request(re.compile("^/idp/"), method="GET").respond_with_handler(
            self._discovery
        )

    def _discovery(self, request: Request) -> Response:
        document = {"issuer": self.url, "jwks_uri": f"{self.url}/jwks"}
        if self.advertise:
            document["introspection_endpoint"] = f"{self.url}/oauth/introspect"
        return _json(200, [document] if self.discovery_is_a_list else document)

    def _introspect(self, request: Request) -> Response:
        form = parse_qs(request.get_data(as_text=True))
        credentials = base64.b64decode(request.headers["Authorization"].split()[1]).decode()
        self.calls.append({"form": form, "credentials": credentials})
        if self.down:
            return _json(503, {"error": "temporarily_unavailable"})
        if credentials != ":".join(CREDENTIALS):
            return _json(401, {"error": "invalid_client"})
        verdict = {"active": self.active, "sub": "test|alice"}
        return _json(200, {**verdict, **({"cnf": self.cnf} if self.cnf else {})})


def _json(status: int, body: dict | list) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def issuer(api_settings, transfer_token, httpserver: HTTPServer) -> Iterator[Issuer]:
    server = Issuer(httpserver)
    api_settings.API_ISSUER = server.url
    api_settings.API_INTROSPECTION_CLIENT_ID, api_settings.API_INTROSPECTION_CLIENT_SECRET = (
        CREDENTIALS
    )
    introspection._endpoint_cache.clear()
    cache.clear()
    yield server
    introspection._endpoint_cache.clear()


def post(client, token, payment, key="introspect-0001"):
    return post_transfer(client, token, payment, key)


def test_an_active_token_is_asked_about_once_and_moves_money(
    client, issuer, transfer_token, payment
):
    token = transfer_token(iss=issuer.url)

    assert post(client, token, payment).status_code == 201
    assert len(issuer.calls) == 1
    assert issuer.calls[0]["form"]["token"] == [token]
    assert issuer.calls[0]["form"]["token_type_hint"] == ["access_token"]


def test_a_revoked_token_moves_no_money_and_is_not_spent(
    client, issuer, transfer_token, payment, alice_checking
):
    issuer.active = False
    token = transfer_token(iss=issuer.url)

    first = post(client, token, payment)
    second = post(client, token, payment)

    assert first.status_code == second.status_code == 401
    assert first.json()["detail"] == "The access token has been revoked."
    assert len(issuer.calls) == 1  # the verdict is remembered briefly
    assert not SpentToken.objects.exists()
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("1000.00")


def test_the_issuer_down_is_a_503_and_a_retry_succeeds(client, issuer, transfer_token, payment):
    issuer.down = True
    token = transfer_token(iss=issuer.url)

    down = post(client, token, payment)
    assert down.status_code == 503
    assert down.json()["code"] == "introspection_unavailable"
    assert not SpentToken.objects.exists()

    issuer.down = False
    assert post(client, token, payment).status_code == 201


# Every endpoint that takes a token, reads included: a revoked token reads nothing either.
READS = [
    "/api/accounts",
    "/api/accounts/1000000011/transactions",
    "/api/accounts/1000000011/statement",
    "/api/security-events",
    "/api/transfers/0b7a5f3e-2c1d-4e8f-9a6b-5c4d3e2f1a0b",
    "/api/payees/1000000021",
]
UNGUARDED = {"api:health", "api:openapi"}


def test_every_api_endpoint_that_takes_a_token_is_in_this_list():
    from fabrikam import urls_api

    names = {f"api:{pattern.name}" for pattern in urls_api.urlpatterns} - UNGUARDED
    paths = {"/api/transfers", *READS}
    assert len(names) == len(paths)  # a new endpoint joins READS (or the transfer tests)


@pytest.mark.parametrize("path", READS)
def test_a_revoked_token_reads_nothing(client, issuer, mint_token, alice_checking, path):
    issuer.active = False

    response = client.get(path, headers=bearer(mint_token(iss=issuer.url)))

    assert response.status_code == 401
    assert response.json()["detail"] == "The access token has been revoked."
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_revoked_token_is_asked_about_once_however_often_it_reads(
    client, issuer, mint_token, alice_checking
):
    issuer.active = False
    token = mint_token(iss=issuer.url)

    answers = [client.get(path, headers=bearer(token)).status_code for path in READS]

    assert answers == [401] * len(READS)
    assert len(issuer.calls) == 1  # the inactive verdict is remembered by the token's key


def test_one_pages_reads_with_one_token_ask_once(client, issuer, mint_token, alice_checking):
    token = mint_token(iss=issuer.url)

    first = client.get("/api/accounts", headers=bearer(token))
    second = client.get("/api/accounts/1000000011/transactions", headers=bearer(token))

    assert first.status_code == second.status_code == 200
    assert len(issuer.calls) == 1


def test_a_transfer_asks_afresh_after_reads_with_the_same_token(
    client, issuer, transfer_token, payment
):
    token = transfer_token(iss=issuer.url)
    assert client.get("/api/security-events", headers=bearer(token)).status_code in (200, 403)
    issuer.active = False  # revoked between the page and the payment

    assert post(client, token, payment).status_code == 401
    assert not SpentToken.objects.exists()


def test_an_issuer_without_introspection_is_not_asked(client, issuer, transfer_token, payment):
    issuer.advertise = False  # Auth0: no introspection endpoint for access tokens
    assert post(client, transfer_token(iss=issuer.url), payment).status_code == 201
    assert issuer.calls == []


def test_the_api_uses_its_own_credentials(client, issuer, transfer_token, payment, settings):
    settings.API_INTROSPECTION_CLIENT_SECRET = "wrong"
    response = post(client, transfer_token(iss=issuer.url), payment)
    assert response.status_code == 503  # refused credentials: no verdict, nothing spent
    assert issuer.calls[0]["credentials"] == "fabrikam-api:wrong"
    assert not SpentToken.objects.exists()


def test_a_discovery_document_that_is_not_an_object_is_a_503_not_a_crash(
    client, issuer, transfer_token, payment
):
    issuer.discovery_is_a_list = True
    response = post(client, transfer_token(iss=issuer.url), payment)
    assert response.status_code == 503
    assert response.json()["code"] == "introspection_unavailable"
    assert not SpentToken.objects.exists()


def dpop_post(client, token, proof, payment):
    return client.post(
        "/api/transfers",
        data=json.dumps(payment),
        content_type="application/json",
        headers={**dpop_headers(token, proof), "Idempotency-Key": "introspect-dpop-1"},
    )


def test_a_dpop_bound_token_is_introspected_alone_and_moves_money(
    client, issuer, transfer_token, payment, dpop_key
):
    issuer.cnf = {"jkt": dpop_key.jkt}
    token = transfer_token(iss=issuer.url, cnf={"jkt": dpop_key.jkt})
    proof = dpop_key.proof("POST", f"{EXTERNAL_URL}/api/transfers", token=token)

    response = dpop_post(client, token, proof, payment)

    assert response.status_code == 201
    assert issuer.calls[0]["form"]["token"] == [token]  # the token, not "DPoP <token>"


def test_an_issuer_reporting_another_binding_is_a_revocation(
    client, issuer, transfer_token, payment, dpop_key, alice_checking
):
    issuer.cnf = {"jkt": DPoPKey("ES256").jkt}
    token = transfer_token(iss=issuer.url, cnf={"jkt": dpop_key.jkt})
    proof = dpop_key.proof("POST", f"{EXTERNAL_URL}/api/transfers", token=token)

    response = dpop_post(client, token, proof, payment)

    assert response.status_code == 401
    assert response.json()["detail"] == "The access token has been revoked."
    assert not SpentToken.objects.exists()
