"""The authorization code grant as this IdP runs it: PKCE S256 always, one audience,
hashed single-use codes whose replay revokes the tokens they produced, and RFC 9396
`authorization_details` carried from the approved request to the access token, and DPoP
(RFC 9449): a code bound to a key (`dpop_jkt`) is redeemed only with a proof of that key,
and the access token is bound to the proof's key (`cnf.jkt`)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AccessDeniedError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import CODE_VERIFIER_PATTERN, compare_s256_code_challenge
from django.db import transaction
from django.utils import timezone

from . import conf, policy, rar
from .models import AuthorizationCode, Client, IssuedToken, digest
from .policy import SECOND_FACTOR_SCOPES
from .tokens import Authentication, access_token_lifetime

log = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(seconds=60)  # FAPI 2.0 section 5.3.2.1: at most 60 s, in any profile
# An RFC 7638 SHA-256 thumbprint, base64url without padding.
JKT_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


class InvalidTargetError(OAuth2Error):
    """RFC 8707: the requested resource (audience) is not one this IdP issues tokens for."""

    error = "invalid_target"


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


def max_age_parse(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise InvalidRequestError("max_age must be a non-negative integer.")
    return int(value)


# Hooks around Authlib's validation of the authorization request. They run wherever a request
# is validated: at /authorize, on each resumed step, and at the PAR endpoint. Authlib keeps
# hooks in a set, so none may depend on another having run.


def require_pushed_request(grant, redirect_uri) -> None:
    """RFC 9126 section 6: a client registered as requiring PAR may not send requests by value,
    and no client may send a payment (RFC 9396 `authorization_details`) by value: it would
    travel through the browser, where it can be read and rewritten before anyone approves it.

    Runs before the other payload checks, so such a client always hears this reason first.
    """
    if grant.request.pushed:
        return
    # FAPI 2.0 section 5.3.2.2: in that profile, every client pushes.
    if conf.is_fapi2() or grant.client.require_pushed_authorization_requests:
        raise InvalidRequestError("This client must push its authorization requests (PAR).")
    if "authorization_details" in grant.request.payload.datalist:
        raise InvalidRequestError("A payment (authorization_details) must be pushed (PAR).")


def validate_audience(grant, _result) -> None:
    """Auth0's `audience` and RFC 8707's `resource` may only name the Fabrikam API."""
    datalist = grant.request.payload.datalist
    requested = set(datalist.get("audience", [])) | set(datalist.get("resource", []))
    if requested - {conf.app_settings.AUDIENCE}:
        raise InvalidTargetError("This identity provider only issues tokens for the Fabrikam API.")


def validate_max_age(grant, _result) -> None:
    max_age_parse(grant.request.payload.data.get("max_age"))


def validate_dpop_jkt(grant, _result) -> None:
    """RFC 9449 section 10: `dpop_jkt` names the key the code will be bound to."""
    values = grant.request.payload.datalist.get("dpop_jkt", [])
    if len(values) > 1 or (values and not JKT_PATTERN.fullmatch(values[0])):
        raise InvalidRequestError("dpop_jkt must be one JWK SHA-256 thumbprint (RFC 7638).")


def validate_code_binding(grant, _result) -> None:
    """RFC 9449 section 10.1: a code bound to a key is redeemed only with that key's proof,
    so a stolen code is useless without the client's private key."""
    bound_to = grant.request.authorization_code.dpop_jkt
    if bound_to and bound_to != grant.request.dpop_jkt:
        raise InvalidGrantError("The DPoP proof is not made with the key this code is bound to.")


def validate_authorization_details(grant, _result) -> None:
    """RFC 9396: check `authorization_details`; the request keeps the parsed array."""
    values = grant.request.payload.datalist.get("authorization_details", [])
    if len(values) > 1:
        raise InvalidRequestError("authorization_details must not be repeated.")
    grant.request.authorization_details = (
        rar.authorization_details_parse(values[0]) if values else None
    )


def validate_token_request_details(grant, _result) -> None:
    """RFC 9396 section 6: a token request may name details, but only those approved."""
    raw = grant.request.payload.data.get("authorization_details")
    if raw is None:
        return
    approved = grant.request.authorization_code.authorization_details
    if rar.authorization_details_parse(raw) != approved:
        raise rar.InvalidAuthorizationDetailsError(
            "A token can carry only the authorization_details the person approved."
        )


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(Client.TOKEN_ENDPOINT_AUTH_METHODS)

    def __init__(self, request, server):
        super().__init__(request, server)
        self.register_hook("before_validate_authorization_request_payload", require_pushed_request)
        for hook in (
            validate_audience,
            validate_max_age,
            validate_authorization_details,
            validate_dpop_jkt,
        ):
            self.register_hook("after_validate_authorization_request_payload", hook)
        self.register_hook("after_validate_token_request", validate_token_request_details)
        self.register_hook("after_validate_token_request", validate_code_binding)

    def save_authorization_code(self, code: str, request) -> None:
        data = request.payload.data
        # Defence in depth behind the policy: a money-moving scope needs a second factor
        # verified during this very request, whatever the policy module says.
        if SECOND_FACTOR_SCOPES & set(request.scope.split()) and not (
            request.second_factor_in_request
        ):
            raise InvalidScopeError(
                "transfer:funds needs a second factor.", redirect_uri=data["redirect_uri"]
            )
        # And a client that asked for phishing resistance gets it, or no code at all.
        if policy.phishing_resistant_required(data.get("acr_values") or "") and (
            request.acr != conf.PHISHING_RESISTANT_ACR or not request.second_factor_in_request
        ):
            raise AccessDeniedError(
                "This request needs a passkey.", redirect_uri=data["redirect_uri"]
            )
        # Likewise a payment: the person approved it and then gave a second factor, both
        # during this very request.
        details = request.authorization_details
        if details and not (request.approved_in_request and request.second_factor_in_request):
            raise AccessDeniedError(
                "A payment needs the person's approval and a second factor.",
                redirect_uri=data["redirect_uri"],
            )
        now = timezone.now()
        AuthorizationCode.objects.create(
            code_hash=digest(code),
            client=request.client,
            user=request.user,
            redirect_uri=data["redirect_uri"],
            scope=request.scope,
            audience=conf.app_settings.AUDIENCE,
            nonce=data.get("nonce") or "",
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            auth_time=request.auth_time,
            acr=request.acr,
            amr=request.amr,
            sid=request.sid,
            dpop_jkt=data.get("dpop_jkt") or "",
            authorization_details=details,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        # RFC 7636 4.6 before the code is spent (Authlib checks it after): someone holding
        # a stolen code but not its verifier must not burn it for the client that has both.
        verifier = self.request.form.get("code_verifier") or ""
        if not CODE_VERIFIER_PATTERN.match(verifier):
            raise InvalidRequestError("Send the code_verifier (43 to 128 unreserved characters).")
        return authorization_code_redeem(code=code, client=client, code_verifier=verifier)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Kept, marked used: a second redemption must be recognised to revoke the tokens.
        pass

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Authentication:
        return Authentication(
            user=authorization_code.user, code=authorization_code, jkt=self.request.dpop_jkt
        )

    def generate_token(self, user: Authentication, scope: str, **kwargs) -> dict:
        kwargs["expires_in"] = access_token_lifetime(user.code)
        token = super().generate_token(user=user, scope=scope, **kwargs)
        if user.jkt:
            # RFC 9449 section 5: bound to the key, so not a bearer token.
            token["token_type"] = "DPoP"  # noqa: S105 - a token type, not a secret
        if user.code.authorization_details:
            # RFC 9396 section 7: the response names what the token was granted for.
            token["authorization_details"] = user.code.authorization_details
        return token


def authorization_code_redeem(
    *, code: str, client: Client, code_verifier: str
) -> AuthorizationCode | None:
    """Spend a code exactly once, for the PKCE verifier behind its challenge; a replay
    (with that verifier) revokes every token the first use produced."""
    now = timezone.now()
    row = (
        AuthorizationCode.objects.select_related("user")
        .filter(code_hash=digest(code), client=client)
        .first()
    )
    if row is None:
        return None
    # Neither spends nor revokes: without the verifier this is not the client's redemption.
    if not compare_s256_code_challenge(code_verifier, row.code_challenge):
        raise InvalidGrantError("The code_verifier does not match the code_challenge.")
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
    # Checked after spending it: a replay of an expired code still revokes (above).
    if row.expires_at <= now:
        return None
    return row
