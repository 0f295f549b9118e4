"""How the API answers errors: RFC 9457 problem+json, mapped from `Problem` in one place.

Bearer refusals (`BearerChallenge`) are Problems too; they add their `WWW-Authenticate`
challenge. Every API response is marked `Cache-Control: no-store`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import BearerChallenge, DPoPChallenge, Problem
from .signals import step_up_challenged

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
# A lost or refused database connection is an outage, not a bug: the caller may retry.
# (IntegrityError, ProgrammingError and the like stay 500s: they mean the code is wrong.)
DATABASE_OUTAGES = (OperationalError, InterfaceError)

View = Callable[..., HttpResponse]


def problem_response(
    *, status: int, detail: str, code: str, field: str | None = None, extensions: dict | None = None
) -> JsonResponse:
    """A problem+json body; `type` is about:blank, so `title` is the HTTP status phrase."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,  # extension member: stable, machine-readable
    }
    if field:
        body["field"] = field  # extension member: the request field at fault
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)  # never overrides a standard member
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def error_response(exc: Problem, request: HttpRequest | None = None) -> JsonResponse:
    response = problem_response(
        status=exc.status,
        detail=exc.message,
        code=exc.code,
        field=exc.field,
        extensions=exc.extensions,
    )
    if isinstance(exc, BearerChallenge):
        if not isinstance(exc, DPoPChallenge) and request is not None:
            # A refusal raised past the guard (scope, step-up, single use) is answered in
            # the scheme the client used (RFC 9449 §7.1).
            scheme = request.headers.get("Authorization", "").partition(" ")[0]
            exc.scheme = "DPoP" if scheme.lower() == "dpop" else "Bearer"
        response["WWW-Authenticate"] = exc.www_authenticate()
    if isinstance(exc, DPoPChallenge) and exc.nonce:
        response["DPoP-Nonce"] = exc.nonce  # RFC 9449 §8: the nonce to put in the next proof
    return response


def _announce_challenge(exc: Problem, request: HttpRequest) -> None:
    # Only a valid token refused for its authentication context: the host logs it, after
    # the view's transaction has rolled back, so the record is kept.
    token = getattr(request, "token", None)
    if (
        isinstance(exc, BearerChallenge)
        and exc.error == "insufficient_user_authentication"
        and token is not None
    ):
        acr_values = str(exc.params.get("acr_values", ""))
        step_up_challenged.send(None, request=request, token=token, acr_values=acr_values)


def api_view(*methods: str) -> Callable[[View], View]:
    """Declare an API endpoint: allowed methods, problem+json errors, never cached."""

    def decorator(view: View) -> View:
        # CSRF-exempt because API requests authenticate with the Authorization header only,
        # never with cookies, so a cross-site page has no ambient credential to borrow.
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response: HttpResponse = problem_response(
                    status=405, detail=f"Use {', '.join(methods)}.", code="method_not_allowed"
                )
                response["Allow"] = ", ".join(methods)
            else:
                try:
                    response = view(request, *args, **kwargs)
                except Problem as exc:
                    _announce_challenge(exc, request)
                    response = error_response(exc, request)
                except DATABASE_OUTAGES:
                    # The transaction rolled back, so nothing was written and no token was
                    # spent: an honest 503 tells the client a retry is safe.
                    log.exception("api.database_unavailable path=%s", request.path)
                    response = problem_response(
                        status=503,
                        detail="The database is not answering. Nothing was changed; "
                        "try again shortly.",
                        code="database_unavailable",
                    )
                    response["Retry-After"] = "1"
            # Answers and tokens' verdicts are per-caller: no shared or browser cache keeps them.
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorator
