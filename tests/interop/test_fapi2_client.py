"""The web client in OIDC_PROFILE=fapi2 against an independent, certified OpenID Provider:
panva's oidc-provider 9 in its FAPI 2.0 profile (fapi2_provider.mjs), with PAR required,
private_key_jwt, DPoP with server nonces, and its built-in login form.

Issue 20 found today's client refused at its first request there (`invalid_client` at
PAR). This signs in end to end and then uses the DPoP-bound token the way the bank calls
its API, so each step is checked by a verifier we did not write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.test import RequestFactory
from joserfc import jws
from joserfc.jwk import ECKey

from oidc_client import dpop, provider, session

pytestmark = pytest.mark.django_db
HERE = Path(__file__).parent
CLIENT_ID = "fabrikam-interop"
REDIRECT_URI = "http://testserver/callback"


def _node_or_skip() -> str:
    node = shutil.which("node")
    if node and (HERE / "node_modules" / "oidc-provider").is_dir():
        return node
    reason = "needs node and the interop peers (`make interop-deps`)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the interop tests: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fapi2_issuer(settings, client) -> Iterator[str]:
    """oidc-provider on a loopback port, with this site registered by its published JWKS."""
    node = _node_or_skip()
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    settings.OIDC_PROFILE = "fapi2"
    settings.OIDC_ISSUER = issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = None
    settings.OIDC_CLIENT_AUTH_METHOD = None  # the profile's choice: private_key_jwt
    settings.OIDC_DPOP = None  # the profile's choice: on
    settings.OIDC_CLIENT_KEY = json.dumps(ECKey.generate_key("P-256").as_dict(private=True))
    settings.OIDC_REDIRECT_URI = REDIRECT_URI
    settings.OIDC_SCOPE = "openid profile email"
    settings.OIDC_AUDIENCE = None
    provider._client.cache_clear()
    jwks = client.get("/oidc/jwks.json").content.decode()  # registered as the site serves it
    peer = subprocess.Popen(  # noqa: S603  (our script, our arguments)
        [node, "fapi2_provider.mjs", str(port), CLIENT_ID, REDIRECT_URI, jwks],
        cwd=HERE,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert peer.stdout is not None
        line = peer.stdout.readline()  # blocks until it listens (or dies: empty)
        assert line.strip() == f"ready {issuer}", f"oidc-provider did not start: {line!r}"
        yield issuer
    finally:
        if peer.stdin:
            peer.stdin.close()
        try:
            peer.wait(timeout=5)
        except subprocess.TimeoutExpired:
            peer.kill()
        provider._client.cache_clear()


def _log_in_at_provider(browser: requests.Session, url: str) -> str:
    """Play the person at the provider: fill its login form and consent form, and return
    the URL it finally redirects back to (the site's redirect URI)."""
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(REDIRECT_URI):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, (response.status_code, response.text[:300])
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert action, response.text[:300]
        fields = dict(
            re.findall(r'<input[^>]*name="([^"]+)"(?:[^>]*value="([^"]*)")?', response.text)
        )
        if "login" in fields:  # devInteractions accepts any login: it becomes the `sub`
            fields.update(login="alice", password="any")
        response = browser.post(
            urljoin(response.url, action.group(1)), data=fields, allow_redirects=False, timeout=10
        )
    raise AssertionError("the provider never redirected back")


def test_the_web_client_signs_in_against_certified_fapi2_provider_and_calls_with_dpop(
    client, fapi2_issuer
):
    start = client.get("/login")

    # PAR: the browser carries only a reference to the pushed request.
    location = urlsplit(start["Location"])
    assert start.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{fapi2_issuer}/auth"
    assert set(parse_qs(location.query)) == {"client_id", "request_uri"}

    back = _log_in_at_provider(requests.Session(), start["Location"])
    answer = parse_qs(urlsplit(back).query)
    assert answer["iss"] == [fapi2_issuer]  # RFC 9207

    # The callback: token request with private_key_jwt and a DPoP proof (after the
    # provider's use_dpop_nonce), then the ES256 ID token checked.
    signed_in = client.get("/callback?" + urlsplit(back).query)
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    held = client.session[session.TOKENS_KEY]
    assert held["token_type"] == "DPoP" and held["claims"]["sub"] == "alice"
    header = jws.extract_compact(held["id_token"].encode()).headers()
    assert header["alg"] == "ES256"

    # The bank's way to call an API with it: the provider's userinfo endpoint checks the
    # proof (htm, htu, ath, its nonce after one retry) and that the token is bound to it.
    request = RequestFactory().get("/")
    request.session = client.session  # the configured engine's store (Redis in CI)
    userinfo = provider.metadata()["userinfo_endpoint"]
    dpop._nonces.clear()  # as a fresh worker would: the first call learns the nonce
    me = requests.get(userinfo, auth=session.api_auth(request), timeout=10)
    assert me.status_code == 200 and me.json()["sub"] == "alice"
    assert [r.status_code for r in me.history] == [401]  # use_dpop_nonce, once

    # The same token without its key, as a thief would send it, is refused.
    stolen = requests.get(
        userinfo, headers={"Authorization": f"Bearer {held['access_token']}"}, timeout=10
    )
    assert stolen.status_code in (400, 401)
