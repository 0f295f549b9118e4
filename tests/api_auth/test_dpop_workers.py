"""A DPoP proof is single use across workers: two gunicorn servers (separate processes, one
worker each, as behind a load balancer) share the database, and a proof that one of them
accepted is a replay at the other. Works on SQLite (the test database file) and PostgreSQL."""

from __future__ import annotations

import socket

import pytest
import requests
from django.db import connection

from scripts import load_transfers as load
from tests.tokens import DPoPKey, dpop_headers

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# What clients call: one name in front of both servers, so one proof suits either.
EXTERNAL_URL = "http://api.fabrikam.test"


def get(url: str, token: str, proof: str) -> requests.Response:
    return requests.get(f"{url}/api/accounts", headers=dpop_headers(token, proof), timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_proof_accepted_by_one_worker_is_a_replay_at_another(
    monkeypatch, mint_token, signing_key
):
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        database_url = f"sqlite:///{settings['NAME']}"
    else:
        database_url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    monkeypatch.setenv("API_EXTERNAL_URL", EXTERNAL_URL)
    key = DPoPKey("ES256")
    token = mint_token(iss=load.ISSUER, cnf={"jkt": key.jkt})
    proof = key.proof("GET", f"{EXTERNAL_URL}/api/accounts", token=token)
    jwks = {"keys": [signing_key.public_jwk()]}

    with (
        load.jwks_server(free_port(), jwks) as jwks_url,
        load.gunicorn(free_port(), database_url, jwks_url, workers=1, threads=2) as first,
        load.gunicorn(free_port(), database_url, jwks_url, workers=1, threads=2) as second,
    ):
        accepted = get(first, token, proof)
        replayed = get(second, token, proof)
        other = get(second, token, key.proof("GET", f"{EXTERNAL_URL}/api/accounts", token=token))

    assert accepted.status_code == 200, accepted.text
    assert replayed.status_code == 401
    assert replayed.json()["detail"] == "The DPoP proof has already been used."
    assert 'error="invalid_dpop_proof"' in replayed.headers["WWW-Authenticate"]
    assert other.status_code == 200  # the second worker works; it refused only the replay
