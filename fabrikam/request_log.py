"""One log line per request, in the same `event key=value` shape as the security events.

Only the path is logged, never the query string: `/callback?code=...&state=...` carries an
authorization code, and tokens must never reach a log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

log = logging.getLogger("fabrikam.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        try:
            username = user.get_username() if user is not None and user.is_authenticated else "-"
        except DatabaseError:  # the session store is down: the request is still logged
            username = "?"
        log.info(
            "request method=%s path=%s status=%s ms=%.1f user=%s",
            request.method,
            request.path[:200],
            response.status_code,
            (time.monotonic() - started) * 1000,
            username,
        )
        return response
