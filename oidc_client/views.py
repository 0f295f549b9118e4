"""Sign-in, the provider's redirect back (`callback`), and sign-out."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from . import keys, provider, session, stepup
from .conf import app_settings
from .errors import SignInFailed
from .signals import signed_in, signed_out

log = logging.getLogger("oidc_client")
SILENT_ERRORS = {"login_required", "interaction_required", "consent_required"}


@require_GET
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = provider.safe_next(request, request.GET.get("next"))
    silent = request.GET.get("prompt") == "none"
    flow = provider.Flow(purpose="sign_in", next_url=next_url, silent=silent)
    return provider.start(request, flow=flow)


@require_GET
@sensitive_variables("token")
def callback(request: HttpRequest) -> HttpResponse:
    flow = provider.pending_flow(request)
    try:
        flow, token = provider.finish(request)
    except SignInFailed as exc:
        if flow is not None and flow.silent and exc.code in SILENT_ERRORS:
            # The provider's session has ended too: ask the user to sign in interactively.
            retry = provider.Flow(purpose="sign_in", next_url=flow.next_url)
            return provider.start(request, flow=retry)
        if flow is not None and exc.code == "access_denied":
            # The person said no at the provider: a choice, answered with a message.
            if flow.purpose == "step_up":
                return stepup.cancelled(request, flow, reason=exc.provider_reason)
            return _sign_in_cancelled(request)
        raise
    if flow.purpose == "step_up":
        return stepup.complete(request, flow, token)  # step-ups share the redirect URI
    return _complete_sign_in(request, flow, token)


def _sign_in_cancelled(request: HttpRequest) -> HttpResponse:
    # The start page, not `next`: that page needs a sign-in, which would loop straight back.
    messages.info(request, "You cancelled signing in. Nothing has changed.")
    return HttpResponseRedirect("/")


@sensitive_variables("token")
def _complete_sign_in(request: HttpRequest, flow: provider.Flow, token: dict) -> HttpResponse:
    claims = token["userinfo"]
    sub = claims["sub"]
    if request.user.is_authenticated and request.user.get_username() != sub:
        logout(request)  # a different person signed in on this browser: start clean
    user, created = get_user_model().objects.update_or_create(
        username=sub[:150],
        defaults={
            "email": claims.get("email", ""),
            "first_name": (claims.get("name") or "")[:150],
        },
    )
    if created:  # the provider authenticates; a local password would be a second way in
        user.set_unusable_password()
        user.save(update_fields=["password"])
    # login() cycles the session key, so a session id planted before sign-in is worthless.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    session.sign_in_store(request, token, dpop_key=flow.dpop_key)
    signed_in.send(None, request=request, user=user, claims=claims)
    messages.success(request, f"Signed in as {user.first_name or user.email or sub}.")
    return HttpResponseRedirect(flow.next_url)


@require_http_methods(["GET", "POST"])
@sensitive_variables("id_token")
def logout_view(request: HttpRequest) -> HttpResponse:
    # GET only asks for confirmation: a link or image must not be able to sign anyone out.
    if request.method == "GET":
        return render(
            request,
            "oidc_client/logout.html",
            {"base_template": app_settings.BASE_TEMPLATE},
        )
    id_token = session.sign_in_tokens(request).get("id_token")
    user = request.user
    if user.is_authenticated:
        log.info("security.sign_out sub=%s", user.get_username())
        signed_out.send(None, request=request, user=user)
    logout(request)  # flushes the session and its tokens
    messages.info(request, "You are signed out.")
    return HttpResponseRedirect(provider.logout_url(request, id_token))


@require_GET
def jwks_view(request: HttpRequest) -> HttpResponse:
    """The client's public keys (RFC 7517 JWK Set), for a provider that registers it by
    `jwks_uri` and verifies its private_key_jwt assertions. Never a private part."""
    try:
        jwks = keys.public_jwks()
    except keys.UnusableKey:
        jwks = {"keys": []}  # `manage.py check` names the problem; a page shows no key
    return JsonResponse(jwks, content_type="application/jwk-set+json")
