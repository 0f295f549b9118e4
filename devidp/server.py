"""Authlib's authorization server, configured as the demo IdP: code flow, OIDC, PKCE S256.

The protocol rules (client checks, redirect URI matching, PKCE, ID token assembly) are
Authlib's; this module only supplies storage, keys and the few choices that are ours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.integrations.django_oauth2.requests import DjangoOAuth2Payload
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from . import keys
from .models import AuthorizationCode, Client, IdpUser, IssuedToken, digest
from .policy import SECOND_FACTOR_SCOPES

log = logging.getLogger(__name__)

SCOPES_SUPPORTED = ["openid", "profile", "email", "read:accounts", "transfer:funds"]
CODE_LIFETIME = timedelta(seconds=60)


class InvalidTargetError(OAuth2Error):
    """RFC 8707: the requested resource (audience) is not one this IdP issues tokens for."""

    error = "invalid_target"


@dataclass(frozen=True)
class Authentication:
    """A user together with the authentication event their code carries into tokens."""

    user: IdpUser
    code: AuthorizationCode

    def get_user_id(self) -> str:
        return self.user.sub


def user_claims(user: IdpUser, scope: str) -> UserInfo:
    """Identity claims for the ID token and userinfo, limited to the granted scopes."""
    return UserInfo(sub=user.sub, name=user.name, email=user.email).filter(scope)


def with_issuer(uri: str, params: list[tuple[str, str]] | None = None) -> str:
    """RFC 9207: every authorization response, success or error, names its issuer.

    Authlib's IssuerParameter extension rewrites `response.location`, which Django's
    responses do not have, so the parameter is added here instead.
    """
    return add_params_to_uri(uri, [*(params or []), ("iss", settings.DEVIDP_ISSUER)])


class IdpRequest(OAuth2Request):
    """An Authlib request whose parameters are the live query or a stored, resumed one."""

    def __init__(self, request: HttpRequest, params: dict[str, str] | None = None):
        # The public URL (from the issuer) rather than the Host header: behind a proxy or in
        # the topology test, the issuer is what the browser and the clients see.
        issuer = urlsplit(settings.DEVIDP_ISSUER)
        uri = f"{issuer.scheme}://{issuer.netloc}{request.get_full_path()}"
        super().__init__(request.method, uri, headers=request.headers)
        self.payload = (
            DjangoOAuth2Payload(request) if params is None else BasicOAuth2Payload(params)
        )
        self._request = request
        # The SSO session's authentication event, set by the flow before a code is issued.
        self.sid: str = ""
        self.auth_time = None
        self.acr: str = ""
        self.amr: list[str] = []
        self.second_factor_in_request = False

    @property
    def args(self):
        return self._request.GET

    @property
    def form(self):
        return self._request.POST


class S256CodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only: a missing challenge or `plain` is refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


def validate_audience(grant, redirect_uri) -> None:
    """Auth0's `audience` and RFC 8707's `resource` may only name the Fabrikam API."""
    datalist = grant.request.payload.datalist
    requested = set(datalist.get("audience", [])) | set(datalist.get("resource", []))
    if requested - {settings.AUTH0_AUDIENCE}:
        raise InvalidTargetError("This identity provider only issues tokens for the Fabrikam API.")


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(Client.TOKEN_ENDPOINT_AUTH_METHODS)

    def __init__(self, request, server):
        super().__init__(request, server)
        self.register_hook("after_validate_authorization_request_payload", validate_audience)

    def save_authorization_code(self, code: str, request: IdpRequest) -> None:
        data = request.payload.data
        # Defence in depth behind the policy: a money-moving scope needs a second factor
        # verified during this very request, whatever the policy module says.
        if SECOND_FACTOR_SCOPES & set(request.scope.split()) and not (
            request.second_factor_in_request
        ):
            raise InvalidScopeError(
                "transfer:funds needs a second factor.", redirect_uri=data["redirect_uri"]
            )
        now = timezone.now()
        AuthorizationCode.objects.create(
            code_hash=digest(code),
            client=request.client,
            user=request.user,
            redirect_uri=data["redirect_uri"],
            scope=request.scope,
            audience=settings.AUTH0_AUDIENCE,
            nonce=data.get("nonce") or "",
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            auth_time=request.auth_time,
            acr=request.acr,
            amr=request.amr,
            sid=request.sid,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return authorization_code_redeem(code=code, client=client)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Kept, marked used: a second redemption must be recognised to revoke the tokens.
        pass

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Authentication:
        return Authentication(user=authorization_code.user, code=authorization_code)


def authorization_code_redeem(*, code: str, client: Client) -> AuthorizationCode | None:
    """Spend a code exactly once; a replay revokes every token the first use produced."""
    now = timezone.now()
    row = AuthorizationCode.objects.filter(code_hash=digest(code), client=client).first()
    if row is None or row.expires_at <= now:
        return None
    with transaction.atomic():
        # The conditional update is the single-use guarantee, even between processes.
        spent = AuthorizationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=now
        )
        if not spent:
            revoked = IssuedToken.objects.filter(code=row, revoked_at__isnull=True).update(
                revoked_at=now
            )
            log.warning(
                "devidp.code_replayed client_id=%s sub=%s tokens_revoked=%d",
                client.client_id,
                row.user.sub,
                revoked,
            )
            return None
    return row


class IdTokenExtension(OpenIDCode):
    DEFAULT_EXPIRES_IN = int(keys.ID_TOKEN_LIFETIME.total_seconds())

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return AuthorizationCode.objects.filter(
            client__client_id=request.payload.client_id, nonce=nonce
        ).exists()

    def resolve_client_private_key(self, client: Client) -> KeySet:
        return keys.signing_key_set()

    def get_client_algorithm(self, client: Client) -> str:
        return keys.ALGORITHM

    def get_encode_header(self, client: Client) -> dict:
        return {"alg": keys.ALGORITHM}  # joserfc adds the `kid` of the key it signs with

    def get_client_claims(self, client: Client) -> dict:
        return {"iss": settings.DEVIDP_ISSUER, "aud": client.client_id}

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict:
        claims = super().get_authorization_code_claims(authorization_code)
        claims["sid"] = authorization_code.sid
        return claims

    def generate_user_info(self, user: Authentication, scope: str) -> UserInfo:
        return user_claims(user.user, scope)


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens (`typ: at+jwt`) for the Fabrikam API."""

    def get_jwks(self) -> KeySet:
        return keys.signing_key_set()

    def get_audiences(self, client: Client, user: Authentication, scope: str) -> str:
        return user.code.audience

    def get_auth_time(self, user: Authentication) -> int:
        return user.code.get_auth_time()

    def get_acr(self, user: Authentication) -> str | None:
        return user.code.get_acr()

    def get_amr(self, user: Authentication) -> list[str]:
        return user.code.get_amr()


class IdpAuthorizationServer(AuthorizationServer):
    def __init__(self):
        super().__init__(Client, IssuedToken)
        self.scopes_supported = SCOPES_SUPPORTED
        self.register_token_generator(
            "default",
            AccessTokenGenerator(
                issuer=settings.DEVIDP_ISSUER,
                alg=keys.ALGORITHM,
                expires_generator=int(keys.ACCESS_TOKEN_LIFETIME.total_seconds()),
            ),
        )
        self.register_grant(CodeGrant, [S256CodeChallenge(required=True), IdTokenExtension()])

    def query_client(self, client_id: str) -> Client | None:
        return Client.objects.filter(client_id=client_id).first()

    def create_oauth2_request(self, request, params: dict[str, str] | None = None):
        if isinstance(request, OAuth2Request):
            return request
        return IdpRequest(request, params)

    def save_token(self, token: dict, request: IdpRequest) -> None:
        """Remember each access token's `jti` so a replayed code can revoke it."""
        claims = jwt.decode(token["access_token"], keys.public_key_set()).claims
        IssuedToken.objects.create(
            jti=claims["jti"],
            code=request.authorization_code,
            client=request.client,
            user=request.user.user,
            scope=claims.get("scope", ""),
            expires_at=timezone.now() + keys.ACCESS_TOKEN_LIFETIME,
        )


def authorization_server() -> IdpAuthorizationServer:
    """A server per request: cheap, and it always reflects the current settings."""
    return IdpAuthorizationServer()
