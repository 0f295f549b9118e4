"""Drive the demo IdP the way an OIDC client and a browser would, through the test client."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client as BrowserClient
from jose import jwt as jose_jwt

from devidp.models import IdpUser
from devidp.seed import DEMO_PASSWORD, demo_seed

ISSUER = "http://localhost:8000/idp"
REDIRECT_URI = "http://localhost:8000/callback"
API_AUDIENCE = "https://api.fabrikam.example"
CLIENT_ID = "fabrikam-web"
CLIENT_SECRET = "demo-only-fabrikam-web-secret"
MFA_POLICY = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# One payment as the web app asks the IdP to approve it (RFC 9396 authorization_details).
TRANSFER_DETAILS = {
    "type": "fabrikam_transfer",
    "amount": "2500.00",
    "currency": "USD",
    "source": "10000011",
    "source_name": "Checking",
    "destination": "20000021",
    "payee": "Bob O.",
    "idempotency_key": "3f0c9a52-8d1e-4c7b-9a7e-2b1d5e6f7a80",
    "memo": "March rent",
}


def authorization_details(**changes) -> str:
    """The `authorization_details` parameter: TRANSFER_DETAILS with some members changed."""
    return json.dumps([{**TRANSFER_DETAILS, **changes}])


def basic_auth(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query(response) -> dict[str, str]:
    """The parameters of a redirect back to the client."""
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def totp_code(user: IdpUser) -> str:
    """A valid code the IdP has not seen yet (the next step if this one was used)."""
    user.refresh_from_db()
    totp = pyotp.TOTP(user.totp_secret)
    now_step = int(time.time() // totp.interval)
    step = now_step if (user.totp_last_step or 0) < now_step else now_step + 1
    return totp.at(step * totp.interval)


class RelyingParty:
    """A confidential OIDC client plus the browser of the person signing in."""

    def __init__(self, browser: BrowserClient):
        self.browser = browser
        self.verifier, self.challenge = pkce_pair()
        self.state = secrets.token_urlsafe(8)
        self.nonce = secrets.token_urlsafe(8)

    def params(self, **overrides) -> dict[str, str]:
        params = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email read:accounts",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            "audience": API_AUDIENCE,
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **overrides):
        return self.browser.get("/idp/authorize", self.params(**overrides))

    def push(self, *, authorization: str | None = None, **overrides):
        """RFC 9126: push the authorization request (client_secret_basic unless told)."""
        return BrowserClient().post(
            "/idp/oauth/par",
            self.params(**overrides),
            HTTP_AUTHORIZATION=authorization or basic_auth(),
        )

    def authorize_pushed(self, request_uri: str, client_id: str = CLIENT_ID):
        """Send the browser to /authorize with only the reference to a pushed request."""
        return self.browser.get(
            "/idp/authorize", {"client_id": client_id, "request_uri": request_uri}
        )

    def request_uri(self, **overrides) -> str:
        response = self.push(**overrides)
        assert response.status_code == 201, response.content
        return response.json()["request_uri"]

    def submit(self, response, data: dict):
        """Follow a redirect to one of the IdP's pages and post its form, with CSRF token."""
        url = response["Location"]
        page = self.browser.get(url)
        assert page.status_code == 200, page.content
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
        assert token is not None
        return self.browser.post(url, {**data, "csrfmiddlewaretoken": token.group(1).decode()})

    def sign_in(self, response, email="alice@fabrikam.example", password=DEMO_PASSWORD):
        assert "/idp/u/login" in response["Location"]
        return self.submit(response, {"email": email, "password": password})

    def decide(self, response, decision: str = "approve"):
        """On the payment approval page, press Approve or Decline."""
        assert "/idp/u/consent" in response["Location"]
        return self.submit(response, {"decision": decision})

    def second_factor(self, response, user: IdpUser, code: str | None = None):
        assert "/idp/u/mfa" in response["Location"]
        return self.submit(response, {"code": code or totp_code(user)})

    def exchange(self, code: str, *, verifier: str | None = None, secret=CLIENT_SECRET, **extra):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier or self.verifier,
            "client_id": CLIENT_ID,
            "client_secret": secret,
            **extra,
        }
        return BrowserClient().post("/idp/oauth/token", {k: v for k, v in data.items() if v})

    def code(self, response) -> str:
        assert response.status_code == 302, response.content
        params = query(response)
        assert response["Location"].startswith(REDIRECT_URI), response["Location"]
        assert params["state"] == self.state
        assert params["iss"] == ISSUER
        return params["code"]

    def login(self, user: IdpUser, *, pushed: bool = False, **overrides) -> dict:
        """The whole dance: authorize (or push, then authorize), password, payment approval
        and TOTP if asked, code, tokens."""
        if pushed:
            response = self.authorize_pushed(self.request_uri(**overrides))
        else:
            response = self.authorize(**overrides)
        if "/idp/u/login" in response.get("Location", ""):
            response = self.sign_in(response, email=user.email)
        if "/idp/u/consent" in response.get("Location", ""):
            response = self.decide(response)
        if "/idp/u/mfa" in response.get("Location", ""):
            response = self.second_factor(response, user)
        token_response = self.exchange(self.code(response))
        assert token_response.status_code == 200, token_response.content
        return token_response.json()


Result = TypeVar("Result")


def in_threads(task: Callable[[int], Result], n: int = 20) -> list[Result]:
    """Run `task` n times at once, each on its own thread and database connection."""
    start = threading.Barrier(n)

    def run(i: int) -> Result:
        try:
            start.wait()
            return task(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def jwks(browser: BrowserClient | None = None) -> dict:
    return (browser or BrowserClient()).get("/idp/.well-known/jwks.json").json()


def published_key(token: str) -> dict:
    """The published JWK the token's header names by `kid`, as a careful verifier picks it
    (the JWKS holds RSA and EC keys, one per algorithm)."""
    kid = jose_jwt.get_unverified_header(token)["kid"]
    return next(key for key in jwks()["keys"] if key["kid"] == kid)


def verify_id_token(token: str, access_token: str | None = None) -> dict:
    """Check signature (published JWKS), iss, aud, exp; and at_hash when given the pair."""
    return jose_jwt.decode(
        token,
        published_key(token),
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=ISSUER,
        access_token=access_token,
        options={"verify_at_hash": access_token is not None},
    )


def verify_access_token(token: str) -> dict:
    return jose_jwt.decode(
        token, published_key(token), algorithms=["RS256"], audience=API_AUDIENCE, issuer=ISSUER
    )


@pytest.fixture(autouse=True)
def _isolated_idp(settings):
    """Known settings and an empty cache, so rate-limit counters never leak between tests."""
    settings.DEVIDP_AUDIENCE = API_AUDIENCE
    settings.DEVIDP_ISSUER = ISSUER
    settings.DEVIDP_CLIENT_ID = CLIENT_ID
    settings.DEVIDP_CLIENT_SECRET = CLIENT_SECRET
    settings.DEVIDP_REDIRECT_URIS = [REDIRECT_URI]
    settings.DEVIDP_POST_LOGOUT_REDIRECT_URIS = ["http://localhost:8000/"]
    settings.API_AUDIENCE = API_AUDIENCE
    # Today's profile unless a test asks for fapi2, whatever the environment's DEVIDP_PROFILE.
    settings.DEVIDP_PROFILE = "oidc"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    return demo_seed()


@pytest.fixture
def alice(demo) -> IdpUser:
    return IdpUser.objects.get(sub="devidp|alice")


@pytest.fixture
def bob(demo) -> IdpUser:
    return IdpUser.objects.get(sub="devidp|bob")


@pytest.fixture
def browser() -> BrowserClient:
    return BrowserClient(enforce_csrf_checks=True)


@pytest.fixture
def rp(browser, demo) -> RelyingParty:
    return RelyingParty(browser)
