"""RFC 9470 for the API: does an access token show a recent second factor?

Auth0 reserves the plain `amr`/`acr`/`auth_time` names in access tokens, so an Action adds
them under a namespace (`API_CLAIM_NAMESPACE`, e.g. `https://fabrikam.example/`); both the
plain and the namespaced names are read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .bearer import BearerChallenge

View = Callable[..., HttpResponse]


def _claim(claims: Mapping[str, Any], name: str) -> Any:
    namespace = settings.API_CLAIM_NAMESPACE
    if namespace and f"{namespace}{name}" in claims:
        return claims[f"{namespace}{name}"]
    return claims.get(name)


def has_mfa(claims: Mapping[str, Any]) -> bool:
    amr = _claim(claims, "amr")
    return _claim(claims, "acr") == settings.MFA_POLICY or (isinstance(amr, list) and "mfa" in amr)


def authentication_context_check(claims: Mapping[str, Any], *, max_age: int) -> None:
    """Raise an `insufficient_user_authentication` challenge unless the token shows MFA
    no older than `max_age` seconds.

    A token without any authentication context passes unless API_REQUIRE_AUTH_CONTEXT is
    on (it is for the embedded IdP; with Auth0 it needs the Action described in
    docs/auth0.md).
    """
    carries_context = any(_claim(claims, name) is not None for name in ("acr", "amr", "auth_time"))
    if not carries_context and not settings.API_REQUIRE_AUTH_CONTEXT:
        return
    if not has_mfa(claims):
        raise BearerChallenge(
            "insufficient_user_authentication",
            "A second factor is required for this request.",
            acr_values=settings.MFA_POLICY,
            max_age=max_age,
        )
    auth_time = _claim(claims, "auth_time")
    if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        raise BearerChallenge(
            "insufficient_user_authentication",
            "The token does not say when the user authenticated.",
            acr_values=settings.MFA_POLICY,
            max_age=max_age,
        )
    if time.time() - auth_time > max_age + settings.API_TOKEN_LEEWAY:
        raise BearerChallenge(
            "insufficient_user_authentication",
            "More recent authentication is required.",
            acr_values=settings.MFA_POLICY,
            max_age=max_age,
        )


def requires_recent_mfa(view: View) -> View:
    """Declare that a view needs MFA within STEP_UP_MAX_AGE; use under `requires_scope`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authentication_context_check(request.token.claims, max_age=settings.STEP_UP_MAX_AGE)
        return view(request, *args, **kwargs)

    return wrapper
