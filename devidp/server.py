"""Authlib's authorization server, configured as the demo IdP: code flow, OIDC, PKCE S256.

The protocol rules (client checks, redirect URI matching, PKCE, ID token assembly) are
Authlib's; `grants` and `tokens` supply storage, keys and the few choices that are ours.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.integrations.django_oauth2.requests import DjangoOAuth2Payload
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749.authenticate_client import authenticate_client_secret_basic
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from django.http import HttpRequest, HttpResponse
from joserfc import jwt

from . import conf, dpop, keys
from .ciba import CibaGrant
from .client_auth import PrivateKeyJwt
from .grants import CodeGrant, S256CodeChallenge
from .models import AuthorizationCode, Client, IssuedToken
from .tokens import AccessTokenGenerator, IdTokenExtension

SCOPES_SUPPORTED = ["openid", "profile", "email", "read:accounts", "transfer:funds"]


def with_issuer(uri: str, params: list[tuple[str, str]] | None = None) -> str:
    """RFC 9207: every authorization response, success or error, names its issuer.

    Authlib's IssuerParameter extension rewrites `response.location`, which Django's
    responses do not have, so the parameter is added here instead.
    """
    return add_params_to_uri(uri, [*(params or []), ("iss", conf.app_settings.ISSUER)])


class IdpRequest(OAuth2Request):
    """An Authlib request whose parameters are the live query or a stored, resumed one."""

    def __init__(self, request: HttpRequest, params: dict[str, str] | None = None):
        # The public URL (from the issuer) rather than the Host header: behind a proxy or in
        # the topology test, the issuer is what the browser and the clients see.
        issuer = urlsplit(conf.app_settings.ISSUER)
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
        # Set while validating: the request arrived by PAR (RFC 9126); its parsed RFC 9396
        # `authorization_details`; and whether the person approved them in this request.
        self.pushed = False
        self.authorization_details: list[dict] | None = None
        self.approved_in_request = False
        # RFC 9449: the thumbprint of the key a valid DPoP proof was made with, if any.
        self.dpop_jkt: str | None = None

    def with_params(self, params: dict[str, str]) -> IdpRequest:
        """The same HTTP request, carrying these authorization parameters instead."""
        return IdpRequest(self._request, params)

    @property
    def args(self):
        return self._request.GET

    @property
    def form(self):
        return self._request.POST


def client_secret_basic(query_client, request):
    """Authlib's client_secret_basic, answering invalid_client instead of crashing (a 500)
    when the Basic credentials are not UTF-8."""
    try:
        return authenticate_client_secret_basic(query_client, request)
    except UnicodeDecodeError:
        return None


class IdpAuthorizationServer(AuthorizationServer):
    def __init__(self):
        super().__init__(Client, IssuedToken)
        self.register_client_auth_method("client_secret_basic", client_secret_basic)
        self.register_client_auth_method("private_key_jwt", PrivateKeyJwt())
        self.scopes_supported = SCOPES_SUPPORTED
        self.register_token_generator(
            "default",
            AccessTokenGenerator(
                issuer=conf.app_settings.ISSUER,
                alg=conf.app_settings.SIGNING_ALG,
                expires_generator=int(keys.ACCESS_TOKEN_LIFETIME.total_seconds()),
            ),
        )
        self.register_grant(CodeGrant, [S256CodeChallenge(required=True), IdTokenExtension()])
        self.register_grant(CibaGrant, [IdTokenExtension()])

    def query_client(self, client_id: str) -> Client | None:
        return Client.objects.filter(client_id=client_id).first()

    def create_oauth2_request(self, request, params: dict[str, str] | None = None):
        if isinstance(request, OAuth2Request):
            return request
        return IdpRequest(request, params)

    def create_token_response(self, request: HttpRequest | None = None) -> HttpResponse:
        """The token endpoint, with the DPoP proof (if any) checked before the grant runs.

        Before, so that a proof refused for its nonce (RFC 9449 section 8) leaves the code
        unspent for the client's retry; the grant then binds what it issues to the key.
        """
        oauth_request = self.create_oauth2_request(request)
        try:
            # FAPI 2.0 section 5.3.2.2: sender-constrained tokens, so a proof is required there.
            oauth_request.dpop_jkt = dpop.proof_check(
                oauth_request, "token", required=conf.is_fapi2()
            )
        except OAuth2Error as error:
            return self.handle_error_response(oauth_request, error)
        response = super().create_token_response(oauth_request)
        if conf.app_settings.DPOP_NONCE:
            response["DPoP-Nonce"] = dpop.nonce_issue()  # section 8.2: the next one to use
        return response

    def save_token(self, token: dict, request: IdpRequest) -> None:
        """Remember each access token's `jti` so a replayed code can revoke it."""
        claims = jwt.decode(
            token["access_token"], keys.public_key_set(), algorithms=list(keys.ALGORITHMS)
        ).claims
        IssuedToken.objects.create(
            jti=claims["jti"],
            # A CIBA approval has no code to revoke its tokens by (`ciba.py`).
            code=code
            if isinstance(code := request.authorization_code, AuthorizationCode)
            else None,
            client=request.client,
            user=request.user.user,
            scope=claims.get("scope", ""),
            expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
        )


def authorization_server() -> IdpAuthorizationServer:
    """A server per request: cheap, and it always reflects the current settings."""
    return IdpAuthorizationServer()
