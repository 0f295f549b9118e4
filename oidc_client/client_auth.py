"""The client's back-channel requests (token and PAR endpoints): one place decides how the
client authenticates (OIDC_CLIENT_AUTH_METHOD, see `profile.auth_method`) and adds the
session's DPoP proof.

- `client_secret_basic` (RFC 6749 §2.3.1): id and secret form-encoded, then HTTP Basic;
- `client_secret_post`: both in the body;
- `private_key_jwt` (RFC 7523 §3, OpenID Connect Core §9): a short-lived assertion signed
  with OIDC_CLIENT_KEY; its `aud` is the issuer identifier, as FAPI 2.0 §5.3.2.1 asks
  (an endpoint URL as audience invites a mix-up between providers).
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import quote

import requests
from django.views.decorators.debug import sensitive_variables
from joserfc import jwt
from joserfc.jwk import ECKey

from . import keys, profile
from .conf import app_settings
from .dpop import DPoPAuth, nonce_demanded, nonce_remember

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 60  # seconds: long enough for one request, useless when replayed later


@sensitive_variables()
def assertion(*, client_id: str, audience: str) -> str:
    """A client assertion (RFC 7523 §3): who the client is, for whom, once, briefly."""
    key = keys.client_key()
    now = int(time.time())
    claims = {
        "iss": client_id,  # §3 item 1: the client...
        "sub": client_id,  # ...item 2: ...authenticating as itself
        "aud": audience,  # item 3
        "jti": secrets.token_urlsafe(24),  # item 7: the provider may refuse a replay
        "iat": now,  # item 6
        "exp": now + ASSERTION_LIFETIME,  # item 4
    }
    alg = keys.signing_alg(key)
    header = {"alg": alg, "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, key, algorithms=[alg])


@sensitive_variables()
def authenticate(data: dict[str, Any], headers: dict[str, str]) -> None:
    """Add this client's credentials to a back-channel request's form `data` or `headers`."""
    # provider() refuses to run without both, so nothing is sent unconfigured.
    client_id, issuer = app_settings.CLIENT_ID or "", app_settings.ISSUER or ""
    method = profile.auth_method()
    if method == "private_key_jwt":
        data.update(
            client_id=client_id,
            client_assertion_type=ASSERTION_TYPE,
            client_assertion=assertion(client_id=client_id, audience=issuer),
        )
    elif method == "client_secret_post":
        data.update(client_id=client_id, client_secret=app_settings.CLIENT_SECRET or "")
    else:
        pair = f"{quote(client_id, safe='')}:{quote(app_settings.CLIENT_SECRET or '', safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")


@sensitive_variables()
def post(endpoint: str, data: dict[str, Any], *, dpop_key: ECKey | None) -> requests.Response:
    """POST a form to the provider, authenticated; with a DPoP proof when there is a key,
    sent once more with the provider's nonce when it asks for one (RFC 9449 §8)."""
    response = _post_once(endpoint, data, dpop_key)
    if dpop_key is not None and nonce_demanded(response):
        response = _post_once(endpoint, data, dpop_key)
    return response


@sensitive_variables()
def _post_once(endpoint: str, data: dict[str, Any], dpop_key: ECKey | None) -> requests.Response:
    # Built afresh for each try: a provider spends an assertion's jti on the first one.
    body = dict(data)
    headers = {"Accept": "application/json"}
    authenticate(body, headers)
    server = app_settings.ISSUER or ""
    # Without an access token DPoPAuth leaves Authorization alone, so Basic and DPoP travel
    # together; the retry is ours (above), not DPoPAuth's.
    auth = DPoPAuth(dpop_key, server=server, retry=False) if dpop_key is not None else None
    response = requests.post(
        endpoint,
        data=body,
        headers=headers,
        auth=auth,
        timeout=app_settings.TIMEOUT,
        allow_redirects=False,
    )
    nonce_remember(server, response)  # for the retry, and the next request to this provider
    return response
