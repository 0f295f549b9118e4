"""Error answers for a process that does not serve the web site (FABRIKAM_ROLES=api or idp).

The site's error templates link to site pages, which such a process cannot reverse, so it
answers plainly instead: problem+json under /api/, a short text page elsewhere.
"""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

from api_auth.problems import problem_response


def _answer(request: HttpRequest, status: int, code: str) -> HttpResponse:
    phrase = HTTPStatus(status).phrase
    if request.path.startswith("/api/"):
        return problem_response(status=status, detail=f"{phrase}.", code=code)
    return HttpResponse(f"{status} {phrase}\n", status=status, content_type="text/plain")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 400, "bad_request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403, "forbidden")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404, "not_found")


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(request, 500, "server_error")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _answer(request, 403, "csrf_failed")
