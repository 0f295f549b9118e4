"""Sign-in and sign-up pages: the password step of a pending authorization request."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from .. import factors, sso
from ..flow import authorization_cancel, authorization_respond
from ..forms import SignInForm, SignUpForm
from ..models import IdpUser, PendingAuthorization
from ..purpose import failure_message, purpose_of
from ..ratelimit import RateLimited, client_ip
from .pending import pending_required


def _signed_in(request, pending: PendingAuthorization, user: IdpUser) -> HttpResponse:
    """The password step passed: new SSO session, then carry on with the request.

    A password starts a new authentication event, so a second factor or a payment approval
    given earlier in this request (perhaps by someone else, in an SSO session) no longer
    counts.
    """
    session, raw = sso.session_sign_in(previous=pending.session, user=user)
    pending.session = session
    pending.password_at = session.auth_time
    pending.approved_at = None
    pending.mfa_at = None
    pending.save(update_fields=["session", "password_at", "approved_at", "mfa_at"])
    response = authorization_respond(request, pending.params, pending)
    sso.set_cookie(response, raw)
    return response


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("password")
@pending_required
def sign_in(request: HttpRequest, pending: PendingAuthorization) -> HttpResponse:
    """The password step: "Sign in" for a newcomer, "Confirm it's you" for the person whose
    session this is (a step-up on an old session, `prompt=login`, `max_age`)."""
    purpose = purpose_of(pending)
    refused = False
    if request.method == "POST":
        form = SignInForm(request.POST)
        if form.is_valid():
            try:
                user = factors.password_authenticate(
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                )
            except factors.AuthenticationFailed as exc:
                form.add_error("password", failure_message(exc))
                refused = True
            else:
                return _signed_in(request, pending, user)
        form.focus_first_error()
    else:
        signed_in = pending.session.user
        known = signed_in.email if signed_in and purpose.returning else ""
        email = pending.params.get("login_hint") or known
        form = SignInForm(initial={"email": email})
        if email:
            form.focus("password")  # who it is is known: what is asked for is the password
    account = pending.session.user
    context = {
        "form": form,
        "tx": pending.key,
        "purpose": purpose,
        # A returning person with no second factor yet is asked for the password because a
        # new authenticator is bound only after it, not because the session is old: say so.
        "enrolling": (
            account is not None and not account.has_totp and not account.passkeys.exists()
        ),
    }
    return render(request, "devidp/sign_in.html", context, status=400 if refused else 200)


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("password")
@pending_required
def sign_up(request: HttpRequest, pending: PendingAuthorization) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = factors.user_sign_up(**form.cleaned_data, ip=client_ip(request))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field, message)
        except factors.SignUpRefused as exc:
            form.add_error(None, str(exc))
        except RateLimited as exc:
            return _too_many_sign_ups(request, pending, exc)
        else:
            return _signed_in(request, pending, user)
    if form.is_bound:
        form.focus_first_error()
    context = {"form": form, "tx": pending.key, "purpose": purpose_of(pending)}
    return render(request, "devidp/sign_up.html", context)


def _too_many_sign_ups(
    request: HttpRequest, pending: PendingAuthorization, limited: RateLimited
) -> HttpResponse:
    context = {"tx": pending.key, "wait": limited.wait}
    response = render(request, "devidp/sign_up_limited.html", context, status=429)
    response["Retry-After"] = str(limited.retry_after)  # RFC 6585 section 4
    return response


@require_POST
@pending_required
def cancel(request: HttpRequest, pending: PendingAuthorization) -> HttpResponse:
    return authorization_cancel(request, pending)
