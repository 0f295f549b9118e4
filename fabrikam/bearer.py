"""Bearer access tokens for the resource API: the one place a token is read and validated.

Follows RFC 6750 (header and challenges), RFC 9068 (JWT access tokens), RFC 8725 (JWT
best practice) and leaves room for RFC 9470 step-up challenges. Views declare what they
need with `@requires_scope(...)` under `fabrikam.problems.api_view`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from jose import jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTClaimsError
from jose.utils import base64url_decode

from accounts.services import customer_provision
from fabrikam import jwks
from fabrikam.errors import ApplicationError

logger = logging.getLogger(__name__)

REALM = "fabrikam-api"
ALGORITHMS = ("RS256",)
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
# An RS256 access token is about 1 KB; anything past this is refused before it is parsed.
MAX_TOKEN_LENGTH = 8192
MAX_LEEWAY = 60
# RFC 6750 §2.1 b64token: what a bearer token may look like in the header.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Characters allowed in a challenge's quoted values (RFC 6750 §3: no '"' and no '\').
_UNSAFE_IN_CHALLENGE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
# python-jose's wording for a claim that `require_*` demanded and the token lacks.
_MISSING_CLAIM = re.compile(r'missing required key "(aud|iss|exp|iat|sub)"')


class BearerChallenge(ApplicationError):
    """A refusal answered with `WWW-Authenticate: Bearer ...` and a problem+json body.

    `error=None` is "no credentials" (RFC 6750 §3.1: no error code). `params` become extra
    challenge attributes: `scope` for insufficient_scope, and `acr_values` / `max_age` for
    RFC 9470's insufficient_user_authentication.
    """

    STATUS_BY_ERROR = {
        None: 401,
        "invalid_request": 400,
        "invalid_token": 401,
        "insufficient_scope": 403,
        "insufficient_user_authentication": 401,
    }

    def __init__(self, error: str | None = None, description: str = "", **params: str | int):
        super().__init__(
            description or "This API needs an access token: send `Authorization: Bearer <token>`.",
            code=error or "unauthorized",
        )
        self.error = error
        self.description = description
        self.params = params
        self.status = self.STATUS_BY_ERROR[error]

    def www_authenticate(self) -> str:
        attributes: dict[str, str] = {"realm": REALM}
        if self.error:
            attributes["error"] = self.error
            if self.description:
                attributes["error_description"] = self.description
        attributes.update((name, str(value)) for name, value in self.params.items())
        return "Bearer " + ", ".join(
            f'{name}="{_UNSAFE_IN_CHALLENGE.sub("", value)}"' for name, value in attributes.items()
        )


@dataclass(frozen=True)
class AccessToken:
    """A validated access token. It keeps a SHA-256 of the raw token, never the token."""

    sub: str
    scopes: frozenset[str]
    claims: Mapping[str, Any]
    # Names this token for single-use bookkeeping and logs; Auth0's default profile has no jti.
    key: str

    @property
    def jti(self) -> str | None:
        return self.claims.get("jti")

    def has_scopes(self, *scopes: str) -> bool:
        return set(scopes) <= self.scopes


def _refuse(description: str, reason: str | None = None) -> BearerChallenge:
    """An invalid_token challenge, logged with its reason; the token itself is never logged."""
    logger.info("Access token refused: %r", reason or description)
    return BearerChallenge("invalid_token", description)


def _accepted_typ(typ: object) -> bool:
    if typ is not None and not isinstance(typ, str):
        return False
    if typ and typ.lower() in ACCESS_TOKEN_TYPES:
        return True
    # Auth0's default profile says `JWT` (and some providers say nothing); so does an ID
    # token, whose `aud` (the client id) then stops it.
    return settings.API_ACCEPT_JWT_TYP and (typ is None or typ.lower() == "jwt")


def _check_numeric_dates(claims: Mapping[str, Any]) -> None:
    # python-jose coerces with int(): "exp": "9999999999" would pass and a list or
    # Infinity would raise outside JOSEError. RFC 7519 NumericDate is a JSON number.
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if value is None:
            continue
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value):
            raise _refuse(f"The {name} claim must be a NumericDate.")


def _unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, read once and trusted for nothing but refusing early.

    (python-jose's get_unverified_* helpers decode all three segments on every call.)
    """
    try:
        header_segment, claims_segment, _signature = token.split(".")
        header = json.loads(base64url_decode(header_segment.encode()))
        claims = json.loads(base64url_decode(claims_segment.encode()))
    # Wrong segment count, bad base64, UTF-8 or JSON; or JSON nested deep enough to exhaust
    # the parser's recursion limit, which would otherwise escape as a 500.
    except (ValueError, RecursionError) as exc:
        raise _refuse("The access token is not a well-formed JWT.", str(exc)) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _refuse("The access token is not a well-formed JWT.", "not JSON objects")
    return header, claims


def access_token_validate(*, token: str) -> AccessToken:
    """Validate an access token for this API, or raise an invalid_token BearerChallenge."""
    issuer, audience = settings.OIDC_ISSUER, settings.AUTH0_AUDIENCE
    if not issuer or not audience:
        raise ImproperlyConfigured("OIDC_ISSUER and AUTH0_AUDIENCE must be set for the API.")
    leeway = max(0, min(int(settings.API_TOKEN_LEEWAY), MAX_LEEWAY))

    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("The access token is too large.")
    header, unverified_claims = _unverified_parts(token)
    # Decided from the header before any key is looked up: this is what refuses `alg: none`
    # and an HS256 token "signed" with our public key (RFC 8725 §2.1, §3.1).
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise _refuse("The token's signing algorithm is not accepted.", f"alg {alg!r}")
    # An access token for an API, not an ID token or another kind of JWT (RFC 9068 §4).
    if not _accepted_typ(header.get("typ")):
        raise _refuse("The token is not an access token (typ).", f"typ {header.get('typ')!r}")
    # RFC 7515 §4.1.11: a critical extension we do not understand means we must refuse.
    if "crit" in header:
        raise _refuse("The token uses a critical header extension this API does not support.")
    _check_numeric_dates(unverified_claims)
    # The key comes from our issuer's key set by kid; `jku`, `x5u` and `jwk` headers would
    # let the token choose its own key, so they are never read.
    kid = header.get("kid")
    key = jwks.jwks_cache.get(kid) if isinstance(kid, str) and kid else None
    if key is None:
        raise _refuse("The token was not signed by a key of the issuer.", f"unknown kid {kid!r}")

    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=list(ALGORITHMS),
            audience=audience,
            issuer=issuer,
            options={
                # python-jose accepts a token without these claims unless told to require them.
                "require_aud": True,
                "require_iss": True,
                "require_exp": True,
                "require_iat": True,
                "require_sub": True,
                "verify_at_hash": False,  # an ID-token claim; access tokens carry none
                "leeway": leeway,
            },
        )
    except ExpiredSignatureError:
        raise _refuse("The access token has expired.") from None
    except JWTClaimsError as exc:
        raise _refuse(f"The token's claims are not accepted: {exc}") from None
    except JOSEError as exc:  # signature, missing claims: python-jose's base error class
        if missing := _MISSING_CLAIM.search(str(exc)):
            raise _refuse(f"The token lacks the required {missing[1]} claim.") from None
        raise _refuse("The access token could not be verified.", str(exc)) from None

    # What python-jose leaves to us: a future iat, an empty sub, the scope's shape.
    if claims["iat"] > time.time() + leeway:  # python-jose's clock for exp/nbf
        raise _refuse("The token was issued in the future (iat).")
    scope = claims.get("scope", "")
    if not claims["sub"] or not isinstance(scope, str):
        raise _refuse("The token's sub or scope claim is malformed.")
    return AccessToken(
        sub=claims["sub"],
        scopes=frozenset(scope.split()),
        claims=MappingProxyType(claims),
        key=hashlib.sha256(token.encode()).hexdigest(),
    )


def access_token_from_request(request: HttpRequest) -> AccessToken:
    """The request's validated token, from the Authorization header and nowhere else."""
    header = request.headers.get("Authorization")
    scheme, _, token = (header or "").partition(" ")
    if not header or scheme.lower() != "bearer":
        # No bearer credentials at all (a token in the query string or form body is not
        # a method this API supports, so it counts as none): RFC 6750 §3.1, no error code.
        raise BearerChallenge()
    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("The access token is too large.")
    token = token.strip()
    if not _B64TOKEN.fullmatch(token):
        raise _refuse("The Authorization header is not `Bearer <token>`.")
    if "access_token" in request.GET:
        # RFC 6750 §2: a client must not use more than one method; the URL copy is leaked.
        raise BearerChallenge("invalid_request", "Send the access token in the header only.")
    return access_token_validate(token=token)


View = Callable[..., HttpResponse]


def requires_scope(*scopes: str) -> Callable[[View], View]:
    """Run the view only for a valid access token with every one of `scopes`.

    Sets `request.token` (AccessToken) and `request.customer`, provisioned on first sight
    of the token's `sub`. Refusals are raised as BearerChallenge, which
    `fabrikam.problems.api_view` turns into the response.
    """
    required = " ".join(scopes)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            token = access_token_from_request(request)
            if not token.has_scopes(*scopes):
                description = f"This request needs the scope: {required}."
                raise BearerChallenge("insufficient_scope", description, scope=required)
            request.token = token
            request.customer = customer_provision(
                sub=token.sub,
                name=_str_claim(token.claims, "name", max_length=200),
                email=_str_claim(token.claims, "email", max_length=254),
            )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _str_claim(claims: Mapping[str, Any], name: str, *, max_length: int) -> str:
    # Access tokens rarely carry profile claims; when they do, they only seed a new customer.
    value = claims.get(name)
    return value[:max_length] if isinstance(value, str) else ""
