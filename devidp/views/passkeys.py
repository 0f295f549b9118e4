"""Passkey pages: the second factor at a step-up (`/u/mfa/passkey`), the options the page's
script asks for, and the account page where a person adds and removes passkeys.

The WebAuthn calls happen in `static/devidp/passkeys.js`; these views hand out options as
JSON and take the browser's answer back as an ordinary form field, so a success ends in
the same redirect as any other sign-in step.
"""

from __future__ import annotations

import contextlib
from functools import wraps
from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from .. import conf, factors, passkeys, policy, sso
from ..flow import (
    PendingNotFound,
    authorization_respond,
    pending_signed_in_get,
    step_url,
)
from ..models import IdpSession, IdpUser, PendingAuthorization
from ..purpose import purpose_of
from ..rar import payment_requested
from ..ratelimit import client_ip
from .pending import View, pending_signed_in_required

ACCOUNT_TEMPLATE = "devidp/passkey_account.html"


def _passkey_passed(
    request: HttpRequest, pending: PendingAuthorization, passkey_amr: list[str]
) -> HttpResponse:
    sso.session_add_second_factor(pending.session, passkey_amr)
    pending.mfa_at = timezone.now()
    pending.save(update_fields=["mfa_at"])
    return authorization_respond(request, pending.params, pending)


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("credential")
@pending_signed_in_required
def passkey(request: HttpRequest, pending: PendingAuthorization, user: IdpUser) -> HttpResponse:
    """The second factor with a passkey; TOTP stays one click away unless the client asked
    for phishing resistance, when a person without a passkey is told how to add one."""
    required = policy.phishing_resistant_required(pending.params.get("acr_values") or "")
    has_passkey = user.passkeys.exists()
    if not has_passkey and not required:
        return HttpResponseRedirect(step_url("totp" if user.has_totp else "totp_enrol", pending))
    error = None
    if request.method == "POST" and has_passkey:
        try:
            used = passkeys.passkey_authenticate(
                session=pending.session, user=user, credential=request.POST.get("credential", "")
            )
        except passkeys.PasskeyRefused as exc:
            error = str(exc)
        else:
            return _passkey_passed(request, pending, passkeys.amr_for(used))
    context = {
        "error": error,
        "user": user,
        "tx": pending.key,
        "purpose": purpose_of(pending),
        "payment": payment_requested(pending.params),
        "required": required,
        "totp_url": None if required else step_url("totp", pending),
        "account_url": reverse("devidp:account") + f"?tx={pending.key}",
    }
    template = "devidp/passkey.html" if has_passkey else "devidp/passkey_needed.html"
    return render(request, template, context, status=400 if error else 200)


@require_POST
@never_cache
def passkey_options(request: HttpRequest) -> JsonResponse:
    """WebAuthn options for the page's script: to verify (at a step-up, or to unlock the
    account page) or to register a new passkey (on an unlocked account page)."""
    purpose = request.POST.get("purpose")
    session = None
    if tx := request.GET.get("tx"):
        with contextlib.suppress(PendingNotFound):
            session = pending_signed_in_get(request, tx).session
    else:
        session = _account_session(request)
    if session is None or session.user is None or purpose not in ("register", "authenticate"):
        return JsonResponse({"error": "This page has expired. Reload it."}, status=400)
    try:
        if purpose == "register":
            if tx or not passkeys.may_manage_passkeys(session):
                return JsonResponse({"error": "Confirm it is you first."}, status=403)
            options = passkeys.registration_options(session=session, user=session.user)
        else:
            options = passkeys.authentication_options(session=session, user=session.user)
    except passkeys.PasskeyRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"publicKey": options})


# --- the account page -----------------------------------------------------------------------


def _account_session(request: HttpRequest) -> IdpSession | None:
    session = sso.current_session(request)
    return session if session is not None and session.user is not None else None


def _signed_in_account(view: View) -> View:
    """Call `view(request, session, user, ...)` for the person this browser has signed in;
    404 for a browser with no one signed in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session = _account_session(request)
        if session is None or session.user is None:
            raise Http404
        return view(request, session, session.user, *args, **kwargs)

    return wrapper


def _continue_url(request: HttpRequest, session: IdpSession) -> str | None:
    """Back to the step-up this person came from (`tx`), if it is still theirs and open."""
    try:
        pending = pending_signed_in_get(request, request.GET.get("tx", ""))
    except PendingNotFound:
        return None
    return step_url("passkey", pending) if pending.session_id == session.pk else None


def _account_page(
    request: HttpRequest,
    session: IdpSession,
    user: IdpUser,
    *,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    home = conf.app_settings.POST_LOGOUT_REDIRECT_URIS
    context = {
        "user": user,
        "passkeys": list(user.passkeys.all()),
        "phones": list(user.phones.all()),
        "unlocked": passkeys.may_manage_passkeys(session),
        "error": error,
        "continue_url": _continue_url(request, session),
        "site_url": home[0] if home else None,
        "tx": request.GET.get("tx", ""),
        "name_max_length": passkeys.NAME_MAX_LENGTH,
    }
    return render(request, ACCOUNT_TEMPLATE, context, status=status)


def _account_redirect(request: HttpRequest) -> HttpResponseRedirect:
    tx = request.GET.get("tx")
    return HttpResponseRedirect(reverse("devidp:account") + (f"?tx={tx}" if tx else ""))


@require_http_methods(["GET"])
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    session = _account_session(request)
    if session is None or session.user is None:
        home = conf.app_settings.POST_LOGOUT_REDIRECT_URIS
        context = {"site_url": home[0] if home else None}
        return render(request, "devidp/passkey_signed_out.html", context, status=401)
    return _account_page(request, session, session.user)


@require_POST
@never_cache
@sensitive_post_parameters("code", "credential")
@_signed_in_account
def account_verify(request: HttpRequest, session: IdpSession, user: IdpUser) -> HttpResponse:
    """Unlock the account page: a second factor now (a code, or a passkey)."""
    try:
        if credential := request.POST.get("credential"):
            used = passkeys.passkey_authenticate(session=session, user=user, credential=credential)
            sso.session_add_second_factor(session, passkeys.amr_for(used))
        else:
            factors.totp_verify(user=user, code=request.POST.get("code", ""), ip=client_ip(request))
            sso.session_add_second_factor(session)
    except (passkeys.PasskeyRefused, factors.AuthenticationFailed) as exc:
        return _account_page(request, session, user, error=str(exc), status=400)
    return _account_redirect(request)


@require_POST
@never_cache
@sensitive_post_parameters("credential")
@_signed_in_account
def account_passkey_add(request: HttpRequest, session: IdpSession, user: IdpUser) -> HttpResponse:
    if not passkeys.may_manage_passkeys(session):
        return _account_page(request, session, user, error="Confirm it is you first.", status=403)
    try:
        passkeys.passkey_register(
            session=session,
            user=user,
            credential=request.POST.get("credential", ""),
            name=request.POST.get("name", ""),
            attachment=request.POST.get("attachment", ""),
        )
    except passkeys.PasskeyRefused as exc:
        return _account_page(request, session, user, error=str(exc), status=400)
    return _account_redirect(request)


@require_POST
@never_cache
@_signed_in_account
def account_passkey_remove(
    request: HttpRequest, session: IdpSession, user: IdpUser, passkey_id: int
) -> HttpResponse:
    if not passkeys.may_manage_passkeys(session):
        return _account_page(request, session, user, error="Confirm it is you first.", status=403)
    if not passkeys.passkey_remove(user=user, passkey_id=passkey_id):
        raise Http404  # not theirs, or already gone
    return _account_redirect(request)
