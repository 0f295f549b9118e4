"""What an API view declares it needs, as decorators to stack under `problems.api_view`:

    @api_view("POST")
    @token_required("transfer:funds")      # a valid access token with this scope
    @recent_mfa_required()                  # RFC 9470: a second factor, recently
    @single_use                             # the token moves money once
    def transfers_create(request: TokenRequest) -> JsonResponse: ...

Each refusal is raised as a `BearerChallenge`, which `api_view` answers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

from .claims import AUTH_CONTEXT_CLAIMS, authenticated_within, claim, has_acr
from .conf import MAX_LEEWAY, PHISHING_RESISTANT_ACR, app_settings
from .errors import BearerChallenge
from .problems import View
from .tokens import AccessToken, access_token_from_request


class TokenRequest(HttpRequest):
    """The request a `token_required` view receives (for type checkers)."""

    token: AccessToken


def token_required(*scopes: str) -> Callable[[View], View]:
    """Run the view only for a valid access token with every one of `scopes`.

    Sets `request.token` (an `AccessToken`) and nothing else: who the subject is in your
    own tables is your decorator's business, stacked under this one.
    """
    required = " ".join(scopes)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: TokenRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            token = access_token_from_request(request)
            if not token.has_scopes(*scopes):
                description = f"This request needs the scope: {required}."
                raise BearerChallenge("insufficient_scope", description, scope=required)
            _client_check(token, scopes)
            request.token = token
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _client_check(token: AccessToken, scopes: tuple[str, ...]) -> None:
    """Any client of the issuer can ask for this API's audience; some scopes are only for
    the clients named in API_ALLOWED_CLIENTS (RFC 9068 `client_id`, or OIDC's `azp`)."""
    allowed = app_settings.ALLOWED_CLIENTS or {}
    client = token.claims.get("client_id") or token.claims.get("azp")
    for scope in scopes:
        if scope in allowed and client not in allowed[scope]:
            raise BearerChallenge(
                "invalid_token", f"This client may not use the scope {scope} at this API."
            )


def authentication_context_check(claims: Any, *, max_age: int, acr: str | None = None) -> None:
    """Raise RFC 9470's `insufficient_user_authentication` unless the claims show the
    authentication context `acr` (default API_MFA_ACR) no older than `max_age` seconds.

    The MFA policy is also met by `mfa` in `amr`, or by an acr listed as stronger in
    API_STRONGER_ACRS (a phishing-resistant factor is a second factor too). Any other acr,
    such as the phishing-resistant policy, is met by that acr (or a stronger one) only.

    A token without any authentication context passes an MFA check only when
    API_REQUIRE_AUTH_CONTEXT is off (a provider that cannot send one; see docs/auth0.md
    for Auth0's Action); a check for another acr always refuses it.
    """
    namespace, mfa_acr = app_settings.CLAIM_NAMESPACE, app_settings.MFA_ACR
    required = acr or mfa_acr
    leeway = max(0, min(int(app_settings.TOKEN_LEEWAY), MAX_LEEWAY))
    carries_context = any(
        claim(claims, name, namespace) is not None for name in AUTH_CONTEXT_CLAIMS
    )
    if not carries_context and not app_settings.REQUIRE_AUTH_CONTEXT and required == mfa_acr:
        return
    stronger = (app_settings.STRONGER_ACRS or {}).get(required, ())
    if not has_acr(
        claims,
        required=required,
        stronger=stronger,
        mfa_in_amr_counts=required == mfa_acr,
        namespace=namespace,
    ):
        description = (
            "A second factor is required for this request."
            if required == mfa_acr
            else f"This request needs a stronger second factor ({_acr_name(required)})."
        )
    elif not authenticated_within(claims, max_age=max_age, leeway=leeway, namespace=namespace):
        description = "More recent authentication is required."
    else:
        return
    raise BearerChallenge(
        "insufficient_user_authentication", description, acr_values=required, max_age=max_age
    )


def _acr_name(acr: str) -> str:
    return "a phishing-resistant one, such as a passkey" if acr == PHISHING_RESISTANT_ACR else acr


def recent_mfa_check(
    request: TokenRequest, *, acr: str | None = None, max_age: int | None = None
) -> None:
    """`recent_mfa_required` decided per request, inside the view: e.g. only for large
    amounts, `recent_mfa_check(request, acr=PHISHING_RESISTANT_ACR)`. Raises the same
    RFC 9470 challenge; `max_age` defaults to API_STEP_UP_MAX_AGE."""
    age = app_settings.STEP_UP_MAX_AGE if max_age is None else max_age
    authentication_context_check(request.token.claims, max_age=age, acr=acr)


def recent_mfa_required(
    *, max_age: int | None = None, acr: str | None = None
) -> Callable[[View], View]:
    """Declare that a view needs a second factor within `max_age` seconds (default
    API_STEP_UP_MAX_AGE), of the kind `acr` names (default API_MFA_ACR; e.g.
    `acr=PHISHING_RESISTANT_ACR` for a passkey); use under `token_required`. For a rule
    that depends on the request (an amount), call `recent_mfa_check` in the view."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: TokenRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            recent_mfa_check(request, acr=acr, max_age=max_age)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
