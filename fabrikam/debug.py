"""Error reports that hide every secret a request can carry, with DEBUG on as well.

Django's `SafeExceptionReporterFilter` hides `@sensitive_variables` and
`@sensitive_post_parameters` only when DEBUG is False, on the view that DEBUG means a
private machine, and of the cookies only `SESSION_COOKIE_NAME`. The demo runs with DEBUG on
and its error pages end up in screenshots and bug reports, and a replayed IdP session
cookie signs its thief in. So here, always: every cookie's value (both sites' sessions,
whatever they are named per port or with `__Host-`, and the CSRF token), the form fields
that are secrets on any page, and the Authorization and DPoP headers. Names stay visible.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.debug import SafeExceptionReporterFilter

# Form fields that hold a secret wherever they appear: sign-in and sign-up, a one-time
# code, a passkey's answer, and OAuth client authentication and code redemption.
SECRET_FIELDS = frozenset(
    {
        "password",
        "password1",
        "password2",
        "new_password",
        "code",
        "code_verifier",
        "client_secret",
        "client_assertion",
        "credential",
        "credentials",
        "token",
        "access_token",
        "refresh_token",
        "id_token_hint",
        "csrfmiddlewaretoken",
    }
)


class AlwaysSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    # Django's list, plus DPoP proofs (RFC 9449) and any credential-bearing header name.
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DPOP|CREDENTIAL|SESSION|CSRF",
        flags=re.I,
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_safe_cookies(self, request: HttpRequest) -> dict[str, Any]:
        # Every cookie: which of them is a session depends on names set per site.
        return {name: self.cleansed_substitute for name in getattr(request, "COOKIES", {})}

    def get_post_parameters(self, request: HttpRequest | None) -> QueryDict | dict[str, Any]:
        parameters = super().get_post_parameters(request)
        if not isinstance(parameters, MultiValueDict) or not (SECRET_FIELDS & set(parameters)):
            return parameters
        cleansed = parameters.copy()
        for name in SECRET_FIELDS & set(cleansed):
            cleansed[name] = self.cleansed_substitute
        return cleansed
