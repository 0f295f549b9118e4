"""What goes into the tokens: the ID token (OIDC) and the RFC 9068 access token.

Both describe the authentication event the authorization code carried: `auth_time`, `acr`,
`amr` and `sid` are copied from the code, never recomputed at the token endpoint. So are the
approved `authorization_details` (RFC 9396), which only the access token carries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc import jwt
from joserfc.jwk import KeySet

from . import conf, keys
from .models import AuthorizationCode, BackchannelRequest, Client, IdpUser, PushRequest

# A private claim name (RFC 7519 section 4.3): the name the person gave the phone that
# approved, for the relying party to show ("approved on Alice's iPhone"). A label only,
# never a key or an identifier a client could track the device by; see the README.
DEVICE_NAME_CLAIM = "device_name"


@dataclass(frozen=True)
class Authentication:
    """A user together with the authentication event their code carries into tokens."""

    user: IdpUser
    # The code, or the approved CIBA request (`ciba.py`), which answers the same questions.
    code: AuthorizationCode | BackchannelRequest
    # RFC 9449: the thumbprint of the client's DPoP key, which the access token is bound to.
    jkt: str | None = None

    def get_user_id(self) -> str:
        """Authlib puts this in the access token's `sub`."""
        return self.user.sub


def user_claims(user: IdpUser, scope: str) -> UserInfo:
    """Identity claims for the ID token and userinfo, limited to the granted scopes."""
    return UserInfo(sub=user.sub, name=user.name, email=user.email).filter(scope)


class IdTokenExtension(OpenIDCode):
    DEFAULT_EXPIRES_IN = int(keys.ID_TOKEN_LIFETIME.total_seconds())

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return AuthorizationCode.objects.filter(
            client__client_id=request.payload.client_id, nonce=nonce
        ).exists()

    def resolve_client_private_key(self, client: Client) -> KeySet:
        return keys.signing_key_set()

    def get_client_algorithm(self, client: Client) -> str:
        return conf.app_settings.SIGNING_ALG

    def get_encode_header(self, client: Client) -> dict:
        return {
            "alg": conf.app_settings.SIGNING_ALG
        }  # joserfc adds the `kid` of the key it signs with

    def get_client_claims(self, client: Client) -> dict:
        return {"iss": conf.app_settings.ISSUER, "aud": client.client_id}

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict:
        claims = super().get_authorization_code_claims(authorization_code)
        if authorization_code.sid:  # none after a CIBA approval: no browser session
            claims["sid"] = authorization_code.sid
        if name := approving_device_name(authorization_code):
            claims[DEVICE_NAME_CLAIM] = name
        return claims

    def generate_user_info(self, user: Authentication, scope: str) -> UserInfo:
        return user_claims(user.user, scope)


def approving_device_name(code: AuthorizationCode | BackchannelRequest) -> str:
    """The name of the paired phone whose approval is the code's second factor, or "".

    Only when the code's `amr` says the factor was a phone approval (`mca`, `push.AMR`):
    a later code or passkey step-up in the same session is not credited to the phone.
    """
    if "mca" not in code.amr:
        return ""
    if isinstance(code, BackchannelRequest):
        device = code.push.device
    else:
        approved = (
            PushRequest.objects.select_related("device")
            .filter(
                session__sid=code.sid,
                decision=PushRequest.Decision.APPROVE,
                decided_at__lte=code.created_at,
            )
            .order_by("-decided_at")
            .first()
        )
        device = approved.device if approved else None
    return device.name if device else ""


def access_token_lifetime(code: AuthorizationCode | BackchannelRequest) -> int:
    """Seconds an access token from this code lives: a payment approval only briefly."""
    if code.authorization_details:
        return conf.app_settings.APPROVAL_TOKEN_LIFETIME
    return int(keys.ACCESS_TOKEN_LIFETIME.total_seconds())


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens (`typ: at+jwt`) for the Fabrikam API."""

    alg: str  # set by Authlib's constructor; typed here, since Authlib ships no hints

    def get_extra_claims(self, client: Client, grant_type: str, user: Authentication, scope):
        # RFC 9449 section 6.1: the key the token is bound to, as its SHA-256 thumbprint.
        claims: dict = {"cnf": {"jkt": user.jkt}} if user.jkt else {}
        details = user.code.authorization_details
        if not details:
            return claims
        # Authlib dates every token with the one lifetime it was configured with; a payment
        # approval's is shorter, so both of its timestamps are set here, consistently.
        now = int(time.time())
        return {
            **claims,
            "authorization_details": details,
            "iat": now,
            "exp": now + access_token_lifetime(user.code),
        }

    def get_jwks(self) -> KeySet:
        return keys.signing_key_set(self.alg)

    def access_token_generator(self, client: Client, grant_type: str, user, scope: str) -> str:
        """Authlib's RFC 9068 claims, signed naming the algorithm.

        Authlib 1.9 calls `jwt.encode` without `algorithms`, and joserfc then signs only
        with its "recommended" ones, which PS256 is not; so its claims are kept (decoded
        from its RS256 draft, which is never issued) and signed again with ours.
        """
        if self.alg == "RS256":
            return super().access_token_generator(client, grant_type, user, scope)
        alg, self.alg = self.alg, "RS256"
        try:
            draft = super().access_token_generator(client, grant_type, user, scope)
        finally:
            self.alg = alg
        claims = jwt.decode(draft, keys.signing_key_set("RS256"), algorithms=["RS256"]).claims
        header = {"alg": alg, "typ": "at+jwt"}
        return jwt.encode(header, claims, keys.signing_key_set(alg), algorithms=[alg])

    def get_audiences(self, client: Client, user: Authentication, scope: str) -> str:
        return user.code.audience

    def get_auth_time(self, user: Authentication) -> int:
        return user.code.get_auth_time()

    def get_acr(self, user: Authentication) -> str | None:
        return user.code.get_acr()

    def get_amr(self, user: Authentication) -> list[str]:
        return user.code.get_amr()
