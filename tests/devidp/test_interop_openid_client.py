"""Interop with an independent, certified peer: panva's openid-client, as a FAPI 2.0 client
(PAR, private_key_jwt, DPoP with nonces, PKCE S256), against the embedded IdP served live on
loopback. Node does the back channel (tests/interop/fapi2_client.mjs); this test plays the
person at the sign-in page with `requests`, then checks what node received."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from devidp.models import Client
from devidp.seed import DEMO_PASSWORD, demo_seed

from .conftest import API_AUDIENCE, CLIENT_ID, REDIRECT_URI

INTEROP = Path(__file__).resolve().parents[1] / "interop"
SCRIPT = INTEROP / "fapi2_client.mjs"


def _node_or_skip() -> str:
    node = shutil.which("node")
    installed = (INTEROP / "node_modules" / "openid-client").is_dir()
    if node and installed:
        return node
    reason = "needs node and `make interop-deps` (tests/interop/node_modules/openid-client)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def fapi2_idp(live_server, settings, transactional_db):
    """The embedded IdP in its FAPI 2.0 profile, live, with the demo client registered
    for private_key_jwt with a fresh EC key; yields the issuer and the private JWK."""
    issuer = f"{live_server.url}/idp"
    settings.DEVIDP_ISSUER = issuer
    settings.DEVIDP_PROFILE = "fapi2"
    demo_seed()
    key = ECKey.generate_key("P-256", private=True, parameters={"alg": "ES256"})
    kid = key.thumbprint()
    client = Client.objects.get(client_id=CLIENT_ID)
    client.token_endpoint_auth_method = "private_key_jwt"
    client.jwks = {"keys": [{**key.as_dict(private=False), "kid": kid}]}
    client.save()
    return issuer, {**key.as_dict(private=True), "kid": kid}


def sign_in_as_a_person(authorization_url: str) -> str:
    """Follow the browser's way through /authorize and the sign-in form; the callback URL."""
    browser = requests.Session()
    response = browser.get(authorization_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    login_url = urljoin(authorization_url, response.headers["Location"])
    page = browser.get(login_url, timeout=10)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found is not None
    csrf = found[1]
    response = browser.post(
        login_url,
        {"email": "alice@fabrikam.example", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    return location


def test_openid_client_completes_a_fapi2_sign_in_with_dpop_bound_tokens(fapi2_idp):
    node = _node_or_skip()
    issuer, private_jwk = fapi2_idp
    env = {
        **os.environ,
        "ISSUER": issuer,
        "CLIENT_ID": CLIENT_ID,
        "REDIRECT_URI": REDIRECT_URI,
        "AUDIENCE": API_AUDIENCE,
        "CLIENT_KEY": json.dumps(private_jwk),
    }
    peer = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [node, str(SCRIPT)],
        cwd=INTEROP,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert peer.stdout is not None and peer.stderr is not None
    try:
        first = peer.stdout.readline()
        assert first, peer.stderr.read()
        authorization_url = json.loads(first)["authorization_url"]
        # Pushed: the browser carries only the reference (RFC 9126 section 4).
        assert "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A" in authorization_url
        assert "code_challenge" not in authorization_url
        callback = sign_in_as_a_person(authorization_url)
        out, err = peer.communicate(callback + "\n", timeout=60)
    finally:
        if peer.poll() is None:
            peer.kill()
    assert peer.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])

    assert result["token_type"].lower() == "dpop"
    assert result["id_token_header"]["alg"] == "PS256"
    assert result["id_token_claims"]["sub"] == "devidp|alice"
    assert result["id_token_claims"]["iss"] == issuer
    published = KeySet.import_key_set(
        requests.get(f"{issuer}/.well-known/jwks.json", timeout=5).json()
    )
    access = jwt.decode(result["access_token"], published, algorithms=["PS256"])
    assert access.header["typ"] == "at+jwt"
    assert access.claims["cnf"] == {"jkt": result["dpop_jkt"]}
    print("decoded DPoP-bound access token claims:", json.dumps(access.claims, indent=1))
