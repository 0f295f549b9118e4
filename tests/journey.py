"""Drive the whole site as a browser would: the bank, the embedded IdP and the API, all
for real, served by pytest-django's live server so every back-channel call is HTTP.

The "browser" is Django's test client; it follows redirects by hand so a test can stop at
any step, read the IdP's pages and type into their forms.

Every journey runs in both profiles (`both_profiles`): today's ("oidc": bearer tokens, a
client secret) and FAPI 2.0 ("fapi2": every request pushed, private_key_jwt, DPoP-bound
tokens), with the three apps switched together as `make demo PROFILE=fapi2` does.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache as once
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import requests
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from joserfc.jwk import ECKey

from api_auth import jwks
from oidc_client import dpop
from oidc_client import provider as oidc

DEMO_PASSWORD = "fabrikam-demo"
TOTP_SECRETS = {  # the demo users' fixed secrets, as the README prints them
    "alice@fabrikam.example": "C6EYB6ZUUPCCTEN6SDF7EEKXRAHZFI3C",
    "bob@fabrikam.example": "T7QK6PL7BIEQSAF3IANQZMZROCBE5XXN",
    "charlie@fabrikam.example": "HKWF4GQYLYUNT3YUUKDE6YRABTSSRTYW",
}


class Browser:
    def __init__(self, site: str):
        self.site = site
        self.client = Client()
        self.used_steps: set[int] = set()

    def get(self, url: str, **kwargs):
        return self.client.get(self._local(url), **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.client.post(self._local(url), data or {}, **kwargs)

    def _local(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def totp(self, email: str) -> str:
        """The next code the IdP has not seen: each code is accepted only once."""
        totp = pyotp.TOTP(TOTP_SECRETS[email])
        step = int(time.time() // totp.interval)
        while step in self.used_steps:
            step += 1
        self.used_steps.add(step)
        return totp.at(step * totp.interval)

    def through_idp(
        self,
        response,
        email: str,
        *,
        password: str = DEMO_PASSWORD,
        pages=None,
        approve: bool = True,
        seen: dict | None = None,
        passkey=None,
        prefer_code: bool = False,
    ):
        """Follow redirects through the IdP, answering its pages, until the bank's callback
        has run; return the bank's response. `pages` collects the IdP pages seen; `seen`
        their HTML by name; `approve` answers a payment approval page. Offered a passkey,
        `passkey` (a tests.devidp.authenticator.SoftAuthenticator) answers, or with
        `prefer_code` the TOTP page; a passkey page it cannot answer is returned as is."""
        pages = [] if pages is None else pages
        seen = {} if seen is None else seen
        for _ in range(12):
            if response.status_code != 302:
                return response
            location = response["Location"]
            path = urlsplit(location).path
            if path.startswith("/idp/u/login"):
                pages.append("password")
                response = self.post(location, {"email": email, "password": password})
            elif path.startswith("/idp/u/consent"):
                pages.append("approve")
                seen["approve"] = self.get(location).content.decode()
                decision = "approve" if approve else "decline"
                response = self.post(location, {"decision": decision})
            elif path.startswith("/idp/u/mfa/passkey"):
                page = self.get(location)
                seen["passkey"] = html = page.content.decode()
                code_link = re.search(r'href="(/idp/u/mfa\?tx=[^"]+)"', html)
                if prefer_code and code_link:
                    pages.append("totp")
                    code_url = code_link[1].replace("&amp;", "&")
                    response = self.post(code_url, {"code": self.totp(email)})
                elif passkey is not None and page.status_code == 200 and "Use your passkey" in html:
                    pages.append("passkey")
                    response = self._use_passkey(location, passkey)
                else:
                    pages.append("passkey_needed")
                    return page
            elif path.startswith("/idp/u/mfa"):
                pages.append("totp")
                seen["totp"] = self.get(location).content.decode()
                response = self.post(location, {"code": self.totp(email)})
            elif path.startswith("/idp/") or path == "/callback":
                response = self.get(location)
            else:
                return response
        raise AssertionError("too many redirects")

    def _use_passkey(self, location: str, device):
        """What the passkey page's script does: options, the authenticator, the form."""
        tx = parse_qs(urlsplit(location).query)["tx"][0]
        options = self.post(f"/idp/u/passkeys/options?tx={tx}", {"purpose": "authenticate"})
        assert options.status_code == 200, options.content
        return self.post(location, {"credential": device.get(options.json()["publicKey"])})

    def authorization_request(self, response) -> dict[str, str]:
        """The parameters of the authorization request `response` redirects to: from its
        URL, or, pushed (RFC 9126: every request in fapi2, approvals in both), as the
        embedded IdP stored them under its `request_uri`."""
        query = {
            name: values[0]
            for name, values in parse_qs(urlsplit(response["Location"]).query).items()
        }
        if "request_uri" not in query:
            return query
        # Read from the IdP's table by app label: the harness drives the embedded IdP, but
        # no module outside devidp imports it (tests/devidp/test_isolation.py). The IdP
        # keys a request_uri by its SHA-256 (devidp.models.digest).
        pushed_requests = apps.get_model("devidp", "PushedAuthorizationRequest")
        request_uri_hash = hashlib.sha256(query["request_uri"].encode()).hexdigest()
        pushed = pushed_requests.objects.get(request_uri_hash=request_uri_hash)
        return {**pushed.params, **query}

    def api_auth(self, token: str) -> requests.auth.AuthBase:
        """`token` sent as this session's bank would send it: with a fresh DPoP proof from
        the session's key when its tokens are DPoP-bound (fapi2), else as Bearer."""
        data = self.client.session.get(dpop.KEY_SESSION_KEY)
        return dpop.DPoPAuth(ECKey.import_key(data), token) if data else dpop.BearerAuth(token)

    def sign_in(self, email: str = "alice@fabrikam.example", next_url: str = "/"):
        response = self.through_idp(self.get(f"/login?next={next_url}"), email)
        assert response.status_code == 302, response.content[:500]
        return response


OIDC, FAPI2 = "oidc", "fapi2"
PROFILES = (OIDC, FAPI2)
# On a module (`pytestmark`) or a test: run it once per profile. It overrides the `profile`
# fixture below, which the site fixtures read; ids read `test_x[oidc]`, `test_x[fapi2]`.
both_profiles = pytest.mark.parametrize("profile", PROFILES)


@pytest.fixture
def profile() -> str:
    """The profile a site fixture runs in when a test does not ask for both: today's."""
    return OIDC


@once
def web_client_key() -> ECKey:
    """The web client's private_key_jwt key for fapi2 runs (one per test session), as
    scripts/demo_keys.py makes the demo's: EC P-256, named by its thumbprint."""
    key = ECKey.generate_key("P-256", private=True)
    return ECKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint()})


def profile_settings(profile: str, url: str) -> dict[str, Any]:
    """The settings a profile gives the three apps, as fabrikam/settings/dev.py derives them
    from FABRIKAM_PROFILE (tests/fabrikam/test_demo_profile.py checks that they agree)."""
    if profile == OIDC:
        return {
            "OIDC_PROFILE": "oidc",
            "API_PROFILE": "bearer",
            "DEVIDP_PROFILE": "oidc",
            "OIDC_CLIENT_AUTH_METHOD": None,
            "OIDC_CLIENT_KEY": None,
            "OIDC_CLIENT_KEY_FILE": None,
            "DEVIDP_CLIENT_JWKS": None,
            "API_EXTERNAL_URL": url,
        }
    key = web_client_key()
    return {
        "OIDC_PROFILE": "fapi2",
        "API_PROFILE": "fapi2",
        "DEVIDP_PROFILE": "fapi2",
        "OIDC_CLIENT_AUTH_METHOD": "private_key_jwt",
        "OIDC_CLIENT_KEY": json.dumps(key.as_dict(private=True)),
        "OIDC_CLIENT_KEY_FILE": None,
        # Registered inline by devidp_seed, as the demo does.
        "DEVIDP_CLIENT_JWKS": {"keys": [key.as_dict(private=False)]},
        "API_EXTERNAL_URL": url,  # the `htu` a DPoP proof names: this live server
    }


@contextmanager
def whole_site(settings, url: str, *, home: str, profile: str = OIDC) -> Iterator[str]:
    """Point the web app, the API and the embedded IdP at one live server at `url`, in
    `profile`, seed it, and forget the cached provider and keys afterwards. `home` is where
    logout returns.
    """
    for name, value in profile_settings(profile, url).items():
        setattr(settings, name, value)
    settings.DEVIDP_ISSUER = settings.OIDC_ISSUER = settings.API_ISSUER = f"{url}/idp"
    settings.OIDC_REDIRECT_URI = f"{url}/callback"
    settings.DEVIDP_REDIRECT_URIS = [f"{url}/callback"]
    settings.DEVIDP_POST_LOGOUT_REDIRECT_URIS = [home]
    settings.API_BASE_URL = f"{url}/api/"
    settings.IDP_ACCOUNT_URL = f"{url}/idp/u/account"
    settings.API_JWKS_URL = None
    settings.API_REQUIRE_AUTH_CONTEXT = True
    settings.OIDC_CLIENT_ID = settings.DEVIDP_CLIENT_ID
    settings.OIDC_CLIENT_SECRET = settings.DEVIDP_CLIENT_SECRET
    oidc._client.cache_clear()
    jwks.jwks_cache.clear()
    cache.clear()
    call_command("seed_demo", verbosity=0)
    call_command("devidp_seed", verbosity=0)
    try:
        yield url
    finally:
        oidc._client.cache_clear()
        jwks.jwks_cache.clear()


@pytest.fixture
def site(live_server, settings, profile) -> Iterator[str]:
    """The whole demo on the live server; the test client's own host is testserver."""
    with whole_site(settings, live_server.url, home="http://testserver/", profile=profile) as url:
        yield url


@pytest.fixture
def browser(site) -> Browser:
    return Browser(site)


def csrf_token(response) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert found is not None
    return found[1].decode()
