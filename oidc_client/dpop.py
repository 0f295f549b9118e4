"""DPoP (RFC 9449): proof of possession for the session's tokens.

Each sign-in makes a new EC P-256 key pair, kept in the session data on the server (never
in a cookie: `checks.py` refuses a signed-cookie session engine with DPoP). Its thumbprint
goes to the provider as `dpop_jkt` (§10), so the tokens are bound to it (`cnf.jkt`), and
every request that uses them carries a fresh proof (§4.2): a stolen token is useless
without the key.

`DPoPAuth` is a `requests` auth that adds the proof, remembers each server's `DPoP-Nonce`
(§8, §9) and, when a server answers `use_dpop_nonce`, sends the request once more with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from django.http import HttpRequest
from joserfc import jwt
from joserfc.jwk import ECKey

KEY_SESSION_KEY = "oidc_dpop_key"  # session: this sign-in's private JWK
ALG = "ES256"
NONCE_HEADER = "DPoP-Nonce"
# The last nonce each server gave (§8: a server may ask for one and change it at any time).
# Per process: a nonce is not a secret, and a stale one costs a single retry.
_nonces: dict[str, str] = {}


def key_new(request: HttpRequest) -> ECKey:
    """A fresh key pair for the sign-in being started; it replaces any earlier one."""
    key = ECKey.generate_key("P-256", private=True)
    request.session[KEY_SESSION_KEY] = key.as_dict(private=True)
    return key


def session_key(request: HttpRequest) -> ECKey | None:
    data = request.session.get(KEY_SESSION_KEY)
    return ECKey.import_key(data) if data else None


def thumbprint(key: ECKey) -> str:
    """RFC 7638 SHA-256 thumbprint: the `dpop_jkt` sent at PAR and the token's `cnf.jkt`."""
    return key.thumbprint()


def bound_jkt(access_token: Any) -> str:
    """§6.1: the thumbprint (`cnf.jkt`) of the key a JWT access token is bound to, or ""
    for a bearer or opaque token. Unverified, so for showing only (the API checks the
    binding and the signature); it copies out one claim, nothing of the token itself."""
    parts = access_token.split(".") if isinstance(access_token, str) else []
    if len(parts) != 3:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
    confirmation = claims.get("cnf") if isinstance(claims, dict) else None
    jkt = confirmation.get("jkt") if isinstance(confirmation, dict) else None
    return jkt if isinstance(jkt, str) else ""


def htu(url: str) -> str:
    """§4.2: the target URI without query and fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def ath(access_token: str) -> str:
    """§4.2: base64url SHA-256 of the access token, binding the proof to that token."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def proof(
    key: ECKey,
    *,
    method: str,
    url: str,
    access_token: str | None = None,
    nonce: str | None = None,
) -> str:
    """A DPoP proof JWT (§4.2) for one request."""
    header = {"typ": "dpop+jwt", "alg": ALG, "jwk": key.as_dict(private=False)}
    claims: dict[str, Any] = {
        "jti": secrets.token_urlsafe(24),  # unique per proof: a server refuses a replay
        "htm": method.upper(),
        "htu": htu(url),
        "iat": int(time.time()),
    }
    if access_token is not None:
        claims["ath"] = ath(access_token)
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode(header, claims, key, algorithms=[ALG])


def server_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def nonce_for(server: str) -> str | None:
    return _nonces.get(server)


def nonce_remember(server: str, response: requests.Response) -> None:
    if nonce := response.headers.get(NONCE_HEADER):
        _nonces[server] = nonce


def nonce_demanded(response: requests.Response) -> bool:
    """§8 (resource server: 401 with a `use_dpop_nonce` challenge) and §8 (authorization
    server: 400 with the `use_dpop_nonce` error), in either case with a new nonce."""
    if not response.headers.get(NONCE_HEADER):
        return False
    if response.status_code == 401:
        return "use_dpop_nonce" in response.headers.get("WWW-Authenticate", "")
    if response.status_code == 400:
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("error") == "use_dpop_nonce"
    return False


class DPoPAuth(requests.auth.AuthBase):
    """Sign each request with a fresh proof; with `access_token`, also send it as
    `Authorization: DPoP` (§7.1) and bind the proof to it (`ath`).

    Without an access token (the token and PAR endpoints) only the `DPoP` header is set,
    so client authentication is free to use the Authorization header.
    """

    def __init__(
        self,
        key: ECKey,
        access_token: str | None = None,
        *,
        server: str | None = None,
        retry: bool = True,
    ) -> None:
        self.key = key
        self.access_token = access_token
        self.server = server
        self.retried = not retry

    def _server(self, url: str) -> str:
        return self.server or server_of(url)

    def _sign(self, prepared: requests.PreparedRequest) -> None:
        url = str(prepared.url)
        prepared.headers["DPoP"] = proof(
            self.key,
            method=str(prepared.method),
            url=url,
            access_token=self.access_token,
            nonce=nonce_for(self._server(url)),
        )
        if self.access_token is not None:
            prepared.headers["Authorization"] = f"DPoP {self.access_token}"

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        self._sign(prepared)
        prepared.register_hook("response", self._answered)
        return prepared

    def _answered(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        nonce_remember(self._server(str(response.request.url)), response)
        # One retry only: a server that refuses the nonce it just gave is not asked again.
        if self.retried or not nonce_demanded(response):
            return response
        self.retried = True
        retry = response.request.copy()
        self._sign(retry)  # a new proof: new jti, the server's nonce
        response.content  # noqa: B018  (read the body so the connection can be reused)
        response.close()
        answer = response.connection.send(retry, **kwargs)
        answer.history.append(response)
        answer.request = retry
        nonce_remember(self._server(str(retry.url)), answer)
        return answer


class BearerAuth(requests.auth.AuthBase):
    """RFC 6750 §2.1: the token, and nothing that proves who holds it."""

    def __init__(self, access_token: str) -> None:
        self.access_token = access_token

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        prepared.headers["Authorization"] = f"Bearer {self.access_token}"
        return prepared
