"""DPoP proofs (RFC 9449 §4.2) and the server nonce dance (§8, §9): every claim, a fresh
jti each time, `ath` bound to the token, and one retry only on `use_dpop_nonce`."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Mapping

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey

from oidc_client import dpop

API = "https://api.test/api/accounts"


@pytest.fixture(autouse=True)
def _no_remembered_nonces():
    dpop._nonces.clear()
    yield
    dpop._nonces.clear()


@pytest.fixture
def key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def decode(proof: str):
    """The proof checked against the key in its own header, as a server does."""
    segment = proof.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return jwt.decode(proof, ECKey.import_key(header["jwk"]), algorithms=["ES256"])


def test_a_proof_is_typed_and_carries_the_public_key_only(key):
    token = decode(dpop.proof(key, method="get", url=API))
    assert token.header["typ"] == "dpop+jwt" and token.header["alg"] == "ES256"
    assert token.header["jwk"] == key.as_dict(private=False)
    assert "d" not in token.header["jwk"]


def test_a_proof_names_the_method_and_the_url_without_query_or_fragment(key):
    claims = decode(dpop.proof(key, method="post", url=API + "?month=2026-12#top")).claims
    assert claims["htm"] == "POST" and claims["htu"] == API


def test_a_proof_is_issued_now_with_a_fresh_jti_each_time(key):
    first, second = (decode(dpop.proof(key, method="GET", url=API)).claims for _ in range(2))
    assert abs(first["iat"] - time.time()) <= 2
    assert first["jti"] != second["jti"] and len(first["jti"]) >= 22


def test_a_proof_for_a_token_carries_its_hash_as_ath(key):
    claims = decode(dpop.proof(key, method="GET", url=API, access_token="tok-123")).claims
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"tok-123").digest()).rstrip(b"=").decode()
    assert claims["ath"] == digest


def test_a_proof_without_a_token_or_nonce_has_neither_claim(key):
    claims = decode(dpop.proof(key, method="POST", url=API)).claims
    assert "ath" not in claims and "nonce" not in claims


class Server(requests.adapters.HTTPAdapter):
    """An API that asks for a nonce (401 use_dpop_nonce) `refusals` times, then answers."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals
        self.seen: list[requests.PreparedRequest] = []

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self.seen.append(request)
        assert request.url is not None
        response = requests.Response()
        response.request, response.url, response.connection = request, request.url, self
        response._content = b"{}"
        response.headers["DPoP-Nonce"] = f"nonce-{len(self.seen)}"
        if len(self.seen) <= self.refusals:
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'DPoP error="use_dpop_nonce"'
        else:
            response.status_code = 200
        return response

    def close(self) -> None:
        pass


def call(server: Server, key: ECKey) -> requests.Response:
    http = requests.Session()
    http.mount("https://", server)
    return http.get(API, auth=dpop.DPoPAuth(key, "tok-123"))


def test_a_call_sends_the_token_as_dpop_with_a_proof(key):
    server = Server(refusals=0)
    call(server, key)
    (sent,) = server.seen
    assert sent.headers["Authorization"] == "DPoP tok-123"
    assert decode(sent.headers["DPoP"]).claims["htu"] == API


def test_use_dpop_nonce_is_answered_once_with_a_new_proof_and_the_servers_nonce(key):
    server = Server(refusals=1)
    response = call(server, key)
    assert response.status_code == 200
    first, retry = (decode(sent.headers["DPoP"]).claims for sent in server.seen)
    assert "nonce" not in first and retry["nonce"] == "nonce-1"
    assert retry["jti"] != first["jti"]


def test_a_server_that_keeps_asking_gets_one_retry_only(key):
    server = Server(refusals=5)
    assert call(server, key).status_code == 401
    assert len(server.seen) == 2


def test_the_last_nonce_is_remembered_for_the_next_call(key):
    server = Server(refusals=1)
    call(server, key)
    call(server, key)
    assert decode(server.seen[-1].headers["DPoP"]).claims["nonce"] == "nonce-2"
    assert len(server.seen) == 3  # the second call needed no retry


def test_the_key_a_token_is_bound_to_is_read_from_its_cnf_claim(key):
    claims = {"sub": "alice", "cnf": {"jkt": dpop.thumbprint(key)}}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert dpop.bound_jkt(f"e30.{payload}.sig") == dpop.thumbprint(key)


@pytest.mark.parametrize(
    "token",
    ["opaque-token", "a.b.c", "e30.e30.sig", "e30.eyJjbmYiOiAiamt0In0.sig", None, 7],
    ids=["opaque", "not-json", "no-cnf", "cnf-not-an-object", "none", "not-a-string"],
)
def test_a_bearer_or_unreadable_token_is_bound_to_no_key(token):
    assert dpop.bound_jkt(token) == ""
