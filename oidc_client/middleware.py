"""Answers the web client's errors wherever a view raises them (add it to MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from .conf import app_settings
from .errors import OidcClientError, SignInRequired

TITLES = {
    400: "Sign-in did not work",
    409: "This cannot be approved here",
    503: "Sign-in is unavailable",
}


class OidcErrorMiddleware:
    """`SignInRequired` becomes a redirect to sign-in and back; a refused or unreachable
    sign-in becomes a page that says so and offers to try again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, OidcClientError):
            return None
        if isinstance(exc, SignInRequired):
            # An expired session signs in again silently when the provider still knows the
            # user, and brings them back to the page they asked for.
            params = {"next": request.get_full_path()}
            if exc.code == "expired":
                params["prompt"] = "none"
            return HttpResponseRedirect(f"{reverse('login')}?{urlencode(params)}")
        status = exc.status if exc.status in TITLES else 400
        context = {
            "title": TITLES[status],
            "message": exc.message,
            "base_template": app_settings.BASE_TEMPLATE,
        }
        return render(request, "oidc_client/error.html", context, status=status)
