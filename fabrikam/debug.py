"""Error reports that hide what the code marks as secret, with DEBUG on as well.

Django's `SafeExceptionReporterFilter` hides `@sensitive_variables` and
`@sensitive_post_parameters` only when DEBUG is False, on the view that DEBUG means a
private machine. The demo runs with DEBUG on and its error pages end up in screenshots
and bug reports, so a customer's tokens stay hidden there too; everything else still shows.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class AlwaysSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request: HttpRequest | None) -> bool:
        return True
