"""OpenID CIBA Core 1.0, poll mode: a client asks for a person's approval over the back
channel, the person approves on their paired phone, the client polls the token endpoint.

- The backchannel authentication endpoint (section 7) authenticates the client exactly as
  the token endpoint does (`server.authenticate_client`, so any method the token endpoint
  gains, such as `private_key_jwt`, applies here too), identifies the person by one hint,
  validates what is asked (scope, acr_values, binding_message, RFC 9396
  `authorization_details`, requested_expiry) and sends the phone a request (`push.py`).
- The `urn:openid:params:grant-type:ciba` grant (section 10, errors section 11) answers
  `authorization_pending`, `slow_down`, `access_denied` or `expired_token` until the phone
  approved; then the tokens, once, to the client that asked only, bound to the key of the
  request's DPoP proof when it has one (required in fapi2, as at every token request).
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnauthorizedClientError,
)
from authlib.oauth2.rfc6749.endpoint import Endpoint, EndpointRequest
from authlib.oauth2.rfc6749.grants.base import BaseGrant, TokenEndpointMixin
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc8628 import AuthorizationPendingError, ExpiredTokenError, SlowDownError
from django.db.models import F
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError

from . import conf, keys, policy, push, rar
from .models import CIBA_GRANT_TYPE, BackchannelRequest, Client, IdpUser, digest
from .purpose import SCOPE_DESCRIPTIONS
from .tokens import Authentication, access_token_lifetime

log = logging.getLogger(__name__)

GRANT_TYPE = CIBA_GRANT_TYPE
AUTH_METHODS = list(Client.TOKEN_ENDPOINT_AUTH_METHODS)
DEFAULT_EXPIRY = 120
MAX_EXPIRY = 600
# Section 11: after a slow_down, "the interval MUST be increased by at least 5 seconds".
SLOW_DOWN_STEP = 5
MAX_INTERVAL = 60
# Section 7.1: "relatively short and use a limited set of plain text characters".
BINDING_MESSAGE = re.compile(r"[\w .,:#/+-]{1,40}")
# The phone's approval: its key (software, `swk`) on a second channel (`mca`). Counted as
# a second factor as Guardian's push is, on the ground that the person unlocked the phone
# (its own PIN or biometric, which this IdP does not see) holding the key paired under MFA.
CIBA_AMR = [*push.AMR, "mfa"]


class UnknownUserIdError(OAuth2Error):
    """Section 13: the hint does not identify a person this OP knows."""

    error = "unknown_user_id"


class InvalidBindingMessageError(OAuth2Error):
    """Section 13: the binding message is too long or has characters a phone cannot show."""

    error = "invalid_binding_message"


class RequestDeniedError(AccessDeniedError):
    """Section 13: the OP refuses the authentication request itself: 403, not 400."""

    status_code = 403


@dataclass
class BackchannelAuthenticationRequest(EndpointRequest):
    user: IdpUser | None = None
    scope: str = ""
    binding_message: str = ""
    authorization_details: list[dict] | None = None
    expires_in: int = DEFAULT_EXPIRY


def _user_from_hint(data: dict[str, str], client: Client) -> IdpUser:
    """Section 7.1: exactly one hint. `login_hint` is an email; `id_token_hint` an ID token
    this OP issued to this client (expired is fine: it only says who)."""
    hints = [name for name in ("login_hint", "id_token_hint", "login_hint_token") if data.get(name)]
    if len(hints) != 1:
        raise InvalidRequestError("Send exactly one of login_hint or id_token_hint.")
    if hints[0] == "login_hint_token":
        raise InvalidRequestError("login_hint_token is not supported; send login_hint.")
    if hints[0] == "login_hint":
        email = data["login_hint"].strip().lower()
        user = IdpUser.objects.filter(email=email, is_active=True).first()
    else:
        try:
            token = jwt.decode(data["id_token_hint"], keys.public_key_set(), algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            raise InvalidRequestError("id_token_hint is not an ID token from this OP.") from exc
        claims = token.claims
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != conf.app_settings.ISSUER or client.client_id not in audiences:
            raise InvalidRequestError("id_token_hint was not issued to this client by this OP.")
        user = IdpUser.objects.filter(sub=claims.get("sub"), is_active=True).first()
    if user is None:
        raise UnknownUserIdError("No account matches the hint.")
    return user


def _expiry(value: str | None) -> int:
    if not value:
        return DEFAULT_EXPIRY
    if not value.isdigit() or int(value) < 1:
        raise InvalidRequestError("requested_expiry must be a positive integer (seconds).")
    return min(int(value), MAX_EXPIRY)


def _binding_message(value: str | None) -> str:
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    if not BINDING_MESSAGE.fullmatch(value):
        raise InvalidBindingMessageError(
            "binding_message must be 1 to 40 letters, digits, spaces or .,:#/+-"
        )
    return value


class BackchannelAuthenticationEndpoint(Endpoint):
    ENDPOINT_NAME = "backchannel_authentication"

    def validate_request(self, request) -> BackchannelAuthenticationRequest:
        # Section 7.1: the client authenticates as at the token endpoint (and must).
        client = self.server.authenticate_client(request, AUTH_METHODS, self.ENDPOINT_NAME)
        if not client.check_grant_type(GRANT_TYPE):
            raise UnauthorizedClientError("This client is not registered for CIBA.")
        data, datalist = request.payload.data, request.payload.datalist
        repeated = [name for name, values in datalist.items() if len(values) > 1]
        if repeated:
            raise InvalidRequestError(f"The {repeated[0]} parameter is repeated.")
        # Section 7.1: scope is REQUIRED and contains openid.
        requested = (data.get("scope") or "").split()
        if "openid" not in requested:
            raise InvalidScopeError("scope must include openid.")
        scope = client.get_allowed_scope(" ".join(requested))
        if set(scope.split()) != set(requested):
            raise InvalidScopeError("This client may not ask for some of these scopes.")
        if policy.phishing_resistant_required(data.get("acr_values") or ""):
            raise InvalidRequestError(
                "A phone approval cannot meet the phishing-resistant policy; ask for the "
                "multi-factor one."
            )
        binding_message = _binding_message(data.get("binding_message"))
        raw_details = data.get("authorization_details")
        details = rar.authorization_details_parse(raw_details) if raw_details else None
        expires_in = _expiry(data.get("requested_expiry"))
        user = _user_from_hint(data, client)
        if not push.has_phone(user):
            # Section 13 has no "cannot reach" error; access_denied is the OP refusing.
            raise RequestDeniedError(
                "This person has no paired phone to approve on: they can pair one on their "
                "account page at the identity provider."
            )
        return BackchannelAuthenticationRequest(
            request=request,
            client=client,
            user=user,
            scope=scope,
            binding_message=binding_message,
            authorization_details=details,
            expires_in=expires_in,
        )

    def create_response(self, validated: BackchannelAuthenticationRequest) -> tuple:
        client, user = validated.client, validated.user
        if user is None:  # validate_request found the person, or refused; said for the type
            raise UnknownUserIdError("No account matches the hint.")
        details = validated.authorization_details
        payment = rar.Payment.from_details(details) if details else None
        scopes = validated.scope.split()
        ask = push.Ask(
            client=client,
            asks=[SCOPE_DESCRIPTIONS[s] for s in scopes if s in SCOPE_DESCRIPTIONS],
            payment=f"Pay {payment}" if payment else "",
            binding_message=validated.binding_message,
            browser=client.name,
        )
        key = push.purpose_key(
            client_id=client.client_id,
            scope=validated.scope,
            details=repr(validated.authorization_details),
        )
        try:
            sent = push.push_send(
                user=user,
                ask=ask,
                key=key,
                lifetime=timedelta(seconds=validated.expires_in),
                # Each auth_req_id has a prompt of its own: an open one for the same payment
                # is replaced (after RESEND_AFTER), never shared between two requests.
                resend=True,
            )
        except push.PushRefused as exc:
            raise RequestDeniedError(str(exc)) from exc
        auth_req_id = secrets.token_urlsafe(32)  # section 7.3: at least 128 bits of entropy
        interval = conf.app_settings.CIBA_INTERVAL
        BackchannelRequest.objects.create(
            auth_req_id_hash=digest(auth_req_id),
            client=client,
            user=user,
            push=sent,
            scope=validated.scope,
            audience=conf.app_settings.AUDIENCE,
            acr_values=validated.request.payload.data.get("acr_values") or "",
            authorization_details=validated.authorization_details,
            interval=interval,
            created_at=sent.created_at,
            expires_at=sent.expires_at,
        )
        log.info("devidp.ciba_started client_id=%s sub=%s", client.client_id, user.sub)
        body = {
            "auth_req_id": auth_req_id,
            "expires_in": validated.expires_in,
            "interval": interval,
        }
        return 200, body, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]


class CibaGrant(BaseGrant, TokenEndpointMixin):
    """Section 10.1: the token request with `auth_req_id`, in poll mode."""

    GRANT_TYPE = GRANT_TYPE
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("This client is not registered for CIBA.")
        self.request.client = client
        auth_req_id = self.request.payload.data.get("auth_req_id")
        if not auth_req_id:
            raise InvalidRequestError("auth_req_id is required.")
        # Bound to its client (section 11, invalid_grant): another client's id is unknown.
        row = (
            BackchannelRequest.objects.select_related("push", "user")
            .filter(auth_req_id_hash=digest(auth_req_id), client=client)
            .first()
        )
        if row is None or row.used_at is not None:
            raise InvalidGrantError("auth_req_id is unknown, another client's, or used.")
        now = timezone.now()
        state = push.push_state(row.push, now=now)
        if state == "declined" or state == "mismatched":
            raise AccessDeniedError("The person declined on their phone.")
        if state == "expired":
            raise ExpiredTokenError("The request expired before the person approved it.")
        if state == "pending":
            self._throttle(row, now)
            raise AuthorizationPendingError("The person has not answered yet.")
        spent = BackchannelRequest.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=now
        )
        if not spent or not push.approval_spend(row.push):
            raise InvalidGrantError("auth_req_id is unknown, another client's, or used.")
        row.acr, row.amr = conf.MFA_ACR, list(CIBA_AMR)
        row.save(update_fields=["acr", "amr"])
        # RFC 9449 section 5: the proof the token endpoint checked (required in fapi2,
        # `server.create_token_response`) binds the access token to its key (`cnf.jkt`).
        self.request.user = Authentication(user=row.user, code=row, jkt=self.request.dpop_jkt)
        self.request.authorization_code = row  # what the ID token extension reads
        log.info("devidp.ciba_redeemed client_id=%s sub=%s", client.client_id, row.user.sub)

    def _throttle(self, row: BackchannelRequest, now: datetime) -> None:
        """Section 11 slow_down: polling faster than `interval` costs five more seconds."""
        last = row.last_polled_at
        BackchannelRequest.objects.filter(pk=row.pk).update(last_polled_at=now)
        if last is not None and (now - last).total_seconds() < row.interval:
            BackchannelRequest.objects.filter(pk=row.pk, interval__lt=MAX_INTERVAL).update(
                interval=F("interval") + SLOW_DOWN_STEP
            )
            raise SlowDownError(f"Poll at most every {row.interval + SLOW_DOWN_STEP} seconds.")

    @hooked  # the OpenID extension adds the ID token after this (`tokens.IdTokenExtension`)
    def create_token_response(self) -> tuple:
        row: BackchannelRequest = self.request.authorization_code
        token = self.generate_token(
            user=self.request.user,
            scope=row.scope,
            expires_in=access_token_lifetime(row),
            include_refresh_token=False,
        )
        if self.request.user.jkt:
            token["token_type"] = "DPoP"  # noqa: S105 - a token type, not a secret
        if row.authorization_details:
            token["authorization_details"] = row.authorization_details
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER
