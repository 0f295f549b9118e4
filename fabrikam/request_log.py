"""One log line per request, in the same `event key=value` shape as the security events.

Only the path is logged, never the query string: `/callback?code=...&state=...` carries an
authorization code, and tokens must never reach a log.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

log = logging.getLogger("fabrikam.request")
# From "?" to the end of the request target: `GET /callback?code=...&state=... HTTP/1.1`.
_QUERY = re.compile(r"\?[^\s\"]*")
# Control characters a client can put in a path or a parameter (%00, %0A, an escape
# sequence): written raw, they forge log lines or garble terminals and parsers.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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


class WithoutQueryStrings(logging.Filter):
    """Take query strings out of a record: runserver's access line (`django.server`) names
    the whole request target, and on /callback that is an authorization code and its state.
    Its 5xx lines are logged at ERROR, so no log level keeps them out."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _QUERY.sub("", record.getMessage())
        record.args = None
        return True


def _escaped(text: str, keep: str = "") -> str:
    return _CONTROL.sub(lambda m: m[0] if m[0] in keep else f"\\x{ord(m[0]):02x}", text)


class PrintableFormatter(logging.Formatter):
    """The log format, with every control character in a message written as `\\xNN`:
    one event stays one line, whatever a request carried. Tracebacks keep their newlines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return _escaped(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        return _escaped(super().formatException(ei), keep="\n")
