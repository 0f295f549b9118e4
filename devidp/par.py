"""RFC 9126 pushed authorization requests: the client sends the authorization request over
the back channel first, and the browser carries only a one-time reference to /authorize.

Nothing the payer is about to approve then travels through the browser, where it could be
read or changed, and the IdP knows which client asked before anyone sees a page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749.endpoint import Endpoint, EndpointRequest
from authlib.oauth2.rfc9101.errors import InvalidRequestUriError
from django.utils import timezone

from .dpop import InvalidDpopProofError, proof_check
from .models import Client, PushedAuthorizationRequest, digest
from .parameters import parameters_check

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
LIFETIME = timedelta(seconds=60)
AUTH_METHODS = list(Client.TOKEN_ENDPOINT_AUTH_METHODS)
# The authorization request parameters this IdP understands. Others are ignored, as at
# /authorize (RFC 6749 section 3.1), and never stored: the client's secret least of all.
PARAMETERS = (
    "response_type",
    "response_mode",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "acr_values",
    "max_age",
    "prompt",
    "login_hint",
    "audience",
    "resource",
    "authorization_details",
    "dpop_jkt",
)


@dataclass
class PushedRequest(EndpointRequest):
    params: dict[str, str] | None = None


class PushedAuthorizationEndpoint(Endpoint):
    ENDPOINT_NAME = "pushed_authorization_request"

    def validate_request(self, request) -> PushedRequest:
        # Section 2.1: the client authenticates as it would at the token endpoint.
        client = self.server.authenticate_client(request, AUTH_METHODS, self.ENDPOINT_NAME)
        data, datalist = request.payload.data, request.payload.datalist
        parameters_check(datalist)
        # Section 2.1: a pushed request cannot itself point at another one.
        if "request_uri" in data:
            raise InvalidRequestError("A pushed request cannot contain request_uri.")
        if data.get("client_id", client.client_id) != client.client_id:
            raise InvalidRequestError("client_id is not the authenticated client.")
        repeated = [name for name in PARAMETERS if len(datalist.get(name, [])) > 1]
        if repeated:  # RFC 6749 section 3.1, and the one value stored must be the one checked
            raise InvalidRequestError(f"The {repeated[0]} parameter is repeated.")
        params = {name: data[name] for name in PARAMETERS if name in data}
        params["client_id"] = client.client_id
        # RFC 9449 section 10.1: a proof here binds the code to its key, like dpop_jkt.
        proof_jkt = proof_check(request, "par", required=False)
        if proof_jkt and params.setdefault("dpop_jkt", proof_jkt) != proof_jkt:
            raise InvalidDpopProofError("dpop_jkt is not the thumbprint of the proof's key.")
        pushed = request.with_params(params)
        pushed.pushed = True
        # Section 2.1: checked exactly as /authorize checks a request, with the same code.
        # What depends on the person (prompt, max_age against their session) is decided when
        # the browser arrives, and everything is checked again then.
        try:
            grant = self.server.get_authorization_grant(pushed)
            grant.validate_authorization_request()
        except OAuth2Error as error:
            error.redirect_uri = None  # the answer goes to the client that called, as JSON
            raise
        return PushedRequest(request=pushed, client=client, params=params)

    def create_response(self, validated: PushedRequest) -> tuple[int, dict, list]:
        # Section 7.1 (and RFC 6749 10.10): unguessable, 256 random bits.
        request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        PushedAuthorizationRequest.objects.create(
            request_uri_hash=digest(request_uri),
            client=validated.client,
            params=validated.params,
            created_at=now,
            expires_at=now + LIFETIME,
        )
        body = {"request_uri": request_uri, "expires_in": int(LIFETIME.total_seconds())}
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        return 201, body, headers


def pushed_request_take(*, client_id: str, request_uri: str) -> dict[str, str]:
    """The parameters pushed with this request_uri, spent: each works once (section 4).

    Only the client that pushed it may use it, and only before it expires.
    """
    now = timezone.now()
    row = PushedAuthorizationRequest.objects.filter(
        request_uri_hash=digest(request_uri), client__client_id=client_id
    ).first()
    # The conditional update is the single-use guarantee, even between processes.
    taken = row is not None and PushedAuthorizationRequest.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if row is None or not taken:
        raise InvalidRequestUriError("The request_uri is unknown, expired or already used.")
    return row.params
