"""RFC 7662 token introspection: the API asks whether an access token is still active.

A JWT access token verifies on its own until it expires; only the IdP knows that a replayed
authorization code revoked it. Introspection tells the API. The caller is the protected
resource, with credentials of its own from settings (client_secret_basic), never a
registered OAuth client: the web app's credentials must not read other people's tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError
from authlib.oauth2.rfc6749.authenticate_client import ClientAuthentication
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError

from . import conf, keys
from .models import IssuedToken
from .server import client_secret_basic

AUTH_METHODS = ["client_secret_basic"]
CLAIMS = (
    "scope",
    "client_id",
    "sub",
    "exp",
    "iat",
    "iss",
    "aud",
    "jti",
    "auth_time",
    "acr",
    "amr",
    "authorization_details",  # RFC 9396 section 9.2: what a payment approval covers
    "cnf",  # RFC 9449 section 6.2: the key a DPoP-bound token is bound to
)


class ProtectedResource(ClientMixin):
    """The API as an introspection caller (RFC 7662 section 2.1), configured in settings."""

    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self._secret = client_secret

    def get_client_id(self) -> str:
        return self.client_id

    def check_client_secret(self, client_secret: str) -> bool:
        # An empty configured secret matches nothing: introspection is off.
        return bool(self._secret) and secrets.compare_digest(
            client_secret.encode(), self._secret.encode()
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS and endpoint == "introspection"


def protected_resource(client_id: str) -> ProtectedResource | None:
    if client_id != conf.app_settings.INTROSPECTION_CLIENT_ID:
        return None
    return ProtectedResource(client_id, conf.app_settings.INTROSPECTION_CLIENT_SECRET)


@dataclass(frozen=True)
class Token:
    """A verified access token's claims and the IdP's record of it (Authlib's token API)."""

    claims: dict
    record: IssuedToken

    def is_expired(self) -> bool:
        now = timezone.now()
        return self.record.expires_at <= now or self.claims["exp"] <= now.timestamp()

    def is_revoked(self) -> bool:
        return self.record.revoked_at is not None


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def authenticate_endpoint_client(self, request) -> ProtectedResource:
        # Only the configured resource: registered clients are not even looked up here.
        authentication = ClientAuthentication(protected_resource)
        authentication.register("client_secret_basic", client_secret_basic)
        client = authentication(request, self.CLIENT_AUTH_METHODS, self.ENDPOINT_NAME)
        request.client = client
        return client

    def check_params(self, request, client) -> None:
        # RFC 7662 section 2.1: token_type_hint is only a hint, and there is one kind of
        # token here, so any hint is ignored rather than refused.
        if not request.form.get("token"):
            raise InvalidRequestError("The 'token' parameter is required.")

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        """A token this IdP signed, as an access token, that it has a record of."""
        try:
            decoded = jwt.decode(
                token_string, keys.public_key_set(), algorithms=list(keys.ALGORITHMS)
            )
        except (JoseError, ValueError):  # not a JWT, or not signed by one of our keys
            return None
        claims = decoded.claims
        # An ID token is signed with the same keys; only an RFC 9068 access token counts.
        if str(decoded.header.get("typ", "")).lower() != "at+jwt":
            return None
        if claims.get("iss") != conf.app_settings.ISSUER:
            return None
        record = IssuedToken.objects.filter(jti=str(claims.get("jti", ""))).first()
        if record is None or not isinstance(claims.get("exp"), int):
            return None
        return Token(claims=claims, record=record)

    def check_permission(self, token: Token, client: ProtectedResource, request) -> bool:
        # RFC 7662 section 4: answer only for tokens meant for the resource that asks.
        audience = token.claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        return conf.app_settings.AUDIENCE in audiences

    def introspect_token(self, token: Token) -> dict:
        payload = {name: token.claims[name] for name in CLAIMS if name in token.claims}
        token_type = "DPoP" if "cnf" in payload else "Bearer"
        return {"active": True, "token_type": token_type, **payload}
