"""A strict Content-Security-Policy on every response (Django 5.2 has none built in).

No inline script or style anywhere: the policy is `'self'` only, so a template that slips in
an inline `<script>` or `style=""` breaks visibly in the browser tests instead of in an
audit. The one wrinkle is `form-action`: browsers also check it against the redirects a
form submission follows, and ours leave this origin on purpose (sign-out goes on to the
identity provider; the IdP's sign-in form goes back to each client's redirect URI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

BASE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def form_action_origins() -> list[str]:
    """Where a form on this site may end up: the issuer, and (when this process is also the
    embedded IdP) the origins its clients are sent back to. Read at request time so a test
    that changes the settings gets the policy it needs."""
    urls: Iterable[str] = [
        settings.OIDC_ISSUER or "",
        # Read by name, without importing the dev IdP: unset when the app is deleted.
        *getattr(settings, "DEVIDP_REDIRECT_URIS", []),
        *getattr(settings, "DEVIDP_POST_LOGOUT_REDIRECT_URIS", []),
        *settings.CSP_FORM_ACTION,
    ]
    origins = {o for o in map(origin, urls) if o}
    return sorted(origins)


def policy() -> str:
    form_action = " ".join(["'self'", *form_action_origins()])
    return "; ".join([*BASE_POLICY, f"form-action {form_action}"])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", policy())
        return response
