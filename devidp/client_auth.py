"""`private_key_jwt` (RFC 7523 section 2.2 and 3; OIDC Core 9): a client proves who it is
with a JWT signed by its own private key, checked against the public keys it registered.

Authlib's `JWTBearerClientAssertion` does the parsing and the claim registry; this module
supplies what is ours: the audiences, the algorithms, a short lifetime, the spent-`jti`
store, and the client's keys (registered `jwks`, or fetched from its `jwks_uri`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from . import conf
from .endpoints import endpoint_url
from .models import Client, SpentJwtId
from .replay import jti_spend

log = logging.getLogger(__name__)

METHOD = "private_key_jwt"
# An assertion is made for one request: one that claims to live longer is refused, so a
# leaked one is worth little (and its spent `jti` need not be kept for long).
MAX_LIFETIME = 300
LEEWAY = 30  # seconds of clock skew allowed on exp, nbf and iat
# A client's keys fetched from its jwks_uri are reused for this long; an unknown `kid`
# fetches again, at most once per REFETCH_AFTER seconds (a key rotation, not a flood).
JWKS_CACHE_SECONDS = 300
REFETCH_AFTER = 10
FETCH_TIMEOUT = 2.0
_fetched: dict[str, tuple[float, dict]] = {}


def _public_only(jwks: object) -> KeySet:
    """The client's asymmetric public keys; a shared-secret (`oct`) key is never one."""
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise InvalidClientError(description="The client's registered JWKS is not a key set.")
    asymmetric = ("RSA", "EC", "OKP")
    public = [k for k in jwks["keys"] if isinstance(k, dict) and k.get("kty") in asymmetric]
    try:
        keys = KeySet.import_key_set({"keys": public})
    except (JoseError, ValueError, TypeError) as error:
        raise InvalidClientError(description="The client's JWKS holds an unusable key.") from error
    return KeySet([key for key in keys.keys if not key.is_private] or [])


def _fetch(uri: str) -> dict:
    try:
        response = requests.get(uri, timeout=FETCH_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("devidp.client_jwks_unreachable uri=%s error=%s", uri, type(error).__name__)
        raise InvalidClientError(description="The client's jwks_uri could not be read.") from error


def client_keys(client: Client, kid: str | None = None) -> KeySet:
    """The client's public keys: its registered JWKS, else those at its jwks_uri (cached)."""
    if client.jwks:
        return _public_only(client.jwks)
    if not client.jwks_uri:
        raise InvalidClientError(description="The client has registered no keys.")
    now = time.monotonic()
    fetched_at, jwks = _fetched.get(client.jwks_uri, (0.0, {}))
    known = {k.get("kid") for k in jwks.get("keys", []) if isinstance(k, dict)} if jwks else set()
    stale = now - fetched_at > JWKS_CACHE_SECONDS
    unknown_kid = kid is not None and kid not in known and now - fetched_at > REFETCH_AFTER
    if not jwks or stale or unknown_kid:
        jwks = _fetch(client.jwks_uri)
        _fetched[client.jwks_uri] = (now, jwks)
    return _public_only(jwks)


class PrivateKeyJwt(JWTBearerClientAssertion):
    """Authlib's RFC 7523 client assertion, as this IdP's `private_key_jwt` method."""

    CLIENT_AUTH_METHOD = METHOD

    def __init__(self, endpoint: str = "token") -> None:
        super().__init__(validate_jti=True, leeway=LEEWAY)
        self.endpoint = endpoint

    def __call__(
        self, query_client: Callable[[str], Client | None], request: OAuth2Request
    ) -> Client | None:
        form = request.form
        # The assertion says who the client is; a `client_id` beside it must say the same
        # (RFC 7521 section 4.2), or a request could be checked as one client and run as another.
        client = super().__call__(query_client, request)
        if client is not None and form.get("client_id", client.client_id) != client.client_id:
            raise InvalidClientError(description="client_id is not the assertion's subject.")
        return client

    def get_audiences(self) -> list[str]:
        # FAPI 2.0 section 5.3.2.1 (and RFC 7523bis): the issuer identifier, as the sole value.
        # Outside it, RFC 7523 section 3's token endpoint URL is accepted too, as most
        # clients written before that change send it.
        if conf.is_fapi2():
            return [conf.app_settings.ISSUER]
        return [conf.app_settings.ISSUER, endpoint_url("token"), endpoint_url("par")]

    def extract_assertion(self, assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
        headers, claims = super().extract_assertion(assertion)
        self._kid = headers.get("kid")
        return headers, claims

    def resolve_client_public_key(self, client: Client) -> KeySet:
        return client_keys(client, getattr(self, "_kid", None))

    def process_assertion_claims(self, assertion: str, resolve_key: KeySet) -> dict[str, Any]:
        # Asymmetric algorithms only: HS256 (a secret the server also holds) and `none`
        # would let the assertion be forged (RFC 8725 section 3.1).
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=conf.client_algorithms())
        except (JoseError, ValueError) as error:
            raise InvalidClientError(description="The client assertion does not verify.") from error
        self.verify_claims(token.claims)
        return token.claims

    def verify_claims(self, claims: dict[str, Any]) -> None:
        super().verify_claims(claims)
        audience = claims["aud"]
        if conf.is_fapi2() and audience not in (
            conf.app_settings.ISSUER,
            [conf.app_settings.ISSUER],
        ):
            raise InvalidClientError(description="aud must be the issuer identifier, alone.")
        exp = claims["exp"]
        if not isinstance(exp, int) or exp > time.time() + MAX_LIFETIME:
            raise InvalidClientError(
                description=f"The assertion must expire within {MAX_LIFETIME} seconds."
            )

    def validate_jti(self, claims: dict[str, Any], jti: object) -> bool:
        if not isinstance(jti, str) or not jti:
            return False
        return jti_spend(
            kind=SpentJwtId.Kind.CLIENT_ASSERTION,
            issuer=claims["iss"],
            jti=jti,
            expires_at=datetime.fromtimestamp(claims["exp"] + LEEWAY, tz=UTC),
        )

    def authenticate_client(self, client: Client) -> Client:
        if client.check_endpoint_auth_method(self.CLIENT_AUTH_METHOD, self.endpoint):
            return client
        raise InvalidClientError(description="The client is not registered for private_key_jwt.")
