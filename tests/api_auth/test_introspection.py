"""RFC 7662: a token the issuer revoked moves no money, one question per transfer, none
for reads; the issuer down means 503 and nothing spent. Against a real loopback server."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core.cache import cache

from api_auth import introspection
from api_auth.models import SpentToken
from tests.tokens import EXTERNAL_URL, DPoPKey, bearer, dpop_headers, post_transfer

pytestmark = pytest.mark.django_db
CREDENTIALS = ("fabrikam-api", "demo-only-introspection-secret")


class Issuer:
    """Discovery and an introspection endpoint that answers as told, logging each call."""

    def __init__(self) -> None:
        self.active = True
        self.down = False
        self.advertise = True
        self.discovery_is_a_list = False
        self.cnf: dict | None = None  # RFC 9449 §6.2: the binding it reports, if any
        self.calls: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/idp"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: dict | list) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                document = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                if issuer.advertise:
                    document["introspection_endpoint"] = f"{issuer.url}/oauth/introspect"
                self._send(200, [document] if issuer.discovery_is_a_list else document)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                credentials = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
                issuer.calls.append({"form": form, "credentials": credentials})
                if issuer.down:
                    self._send(503, {"error": "temporarily_unavailable"})
                elif credentials != ":".join(CREDENTIALS):
                    self._send(401, {"error": "invalid_client"})
                else:
                    verdict = {"active": issuer.active, "sub": "test|alice"}
                    self._send(200, {**verdict, **({"cnf": issuer.cnf} if issuer.cnf else {})})

            def log_message(self, *args) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def issuer(api_settings, transfer_token) -> Iterator[Issuer]:
    server = Issuer()
    api_settings.API_ISSUER = server.url
    api_settings.API_INTROSPECTION_CLIENT_ID, api_settings.API_INTROSPECTION_CLIENT_SECRET = (
        CREDENTIALS
    )
    introspection._endpoint_cache.clear()
    cache.clear()
    yield server
    server.close()
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


def test_reads_are_not_introspected(client, issuer, mint_token, alice_checking):
    response = client.get("/api/accounts", headers=bearer(mint_token(iss=issuer.url)))
    assert response.status_code == 200
    assert issuer.calls == []


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
