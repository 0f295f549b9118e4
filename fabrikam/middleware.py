"""Site-wide middleware: the one place the web site turns the bank's errors into pages (the
API has its own; sign-in errors are `oidc_client.middleware`'s), and the demo's host name."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.request import split_domain_port
from django.shortcuts import render
from django.template.loader import render_to_string

from accounts.api_errors import ServiceUnavailable
from accounts.errors import ApplicationError, NotFound

log = logging.getLogger("fabrikam.web")

TITLES = {
    400: "That did not work",
    403: "Not allowed",
    404: "Page not found",
    429: "Too many requests",
    503: "Temporarily unavailable",
}


def error_page(request: HttpRequest, status: int, message: str, **context) -> HttpResponse:
    context = {"title": TITLES.get(status, "Something went wrong"), "message": message, **context}
    return render(request, "error.html", context, status=status)


class WebErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exc, OperationalError | InterfaceError):
            # A database outage: a clear page, not a 500. Rendered without the request,
            # because its session, user and messages live in that database too.
            log.error("web.database_unavailable path=%s", request.path, exc_info=exc)
            message = "The bank's systems had a problem. Please try again shortly."
            if "web" not in settings.FABRIKAM_ROLES:  # no site pages (or their URLs) here
                return HttpResponse(message, status=503, content_type="text/plain")
            context = {
                "title": TITLES[503],
                "message": message,
            }
            return HttpResponse(render_to_string("error.html", context), status=503)
        if not isinstance(exc, ApplicationError):
            return None
        if isinstance(exc, NotFound):
            return error_page(request, 404, exc.message)
        if isinstance(exc, ServiceUnavailable):
            return error_page(request, 503, exc.message)
        return error_page(request, exc.status if exc.status < 500 else 400, exc.message)


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class LoopbackHostRedirectMiddleware:
    """Development only: send 127.0.0.1 (or ::1, or localhost) to the loopback name the site
    is configured for (SITE_URL), before anything starts.

    Cookies and the IdP's registered redirect URIs belong to one host name: a sign-in begun
    at 127.0.0.1 when the site is localhost would end on "Redirect URI ... is not supported".
    Safe methods only (a redirected POST loses its body), never the API (its clients must
    not be bounced), and only between loopback names, so no other host is ever touched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        site = urlsplit(getattr(settings, "SITE_URL", "") or "")
        hostname, _port = split_domain_port(request.get_host())
        hostname = hostname.strip("[]")
        if (
            request.method in ("GET", "HEAD")
            and not request.path.startswith("/api/")
            and site.hostname in LOOPBACK_NAMES
            and hostname in LOOPBACK_NAMES
            and hostname != site.hostname
        ):
            return HttpResponseRedirect(f"{site.scheme}://{site.netloc}{request.get_full_path()}")
        return self.get_response(request)
