"""The second factor: a TOTP prompt, and enrolment of an authenticator app by QR code."""

from __future__ import annotations

import segno
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import factors, policy, push, sso
from ..flow import authorization_respond, step_url
from ..forms import EnrolForm, OneTimeCodeForm
from ..models import IdpUser, PendingAuthorization
from ..purpose import failure_message, purpose_of
from ..rar import payment_requested
from ..ratelimit import client_ip
from .pending import pending_signed_in_required

ENROL_SALT = "devidp.totp-enrol"
ENROL_MAX_AGE = 10 * 60


def _second_factor_passed(request, pending: PendingAuthorization) -> HttpResponse:
    sso.session_add_second_factor(pending.session)
    pending.mfa_at = timezone.now()
    pending.save(update_fields=["mfa_at"])
    return authorization_respond(request, pending.params, pending)


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("code")
@pending_signed_in_required
def totp(request: HttpRequest, pending: PendingAuthorization, user: IdpUser) -> HttpResponse:
    if policy.phishing_resistant_required(pending.params.get("acr_values") or ""):
        return HttpResponseRedirect(step_url("passkey", pending))  # a code will not do
    if not user.has_totp:
        return HttpResponseRedirect(step_url("totp_enrol", pending))
    form = OneTimeCodeForm(request.POST or None)
    refused = False
    if request.method == "POST" and form.is_valid():
        try:
            factors.totp_verify(user=user, code=form.cleaned_data["code"], ip=client_ip(request))
        except factors.AuthenticationFailed as exc:
            form.add_error("code", failure_message(exc))
            refused = True
        else:
            return _second_factor_passed(request, pending)
    context = {
        "form": form,
        "user": user,
        "tx": pending.key,
        "purpose": purpose_of(pending),
        "payment": payment_requested(pending.params),
        # The sign-in page says why the phone was not asked (three declines in a row).
        "push_paused": str(push.PushPaused(until)) if (until := push.paused_until(user)) else "",
    }
    return render(request, "devidp/totp.html", context, status=400 if refused else 200)


def _qr_svg(uri: str) -> str:
    # segno writes the SVG itself from the URI: no user-controlled markup reaches the page.
    # A viewBox instead of a fixed width and height, so it scales down on a phone (idp.css).
    svg = segno.make(uri, error="m").svg_inline(scale=5, title="TOTP QR code", omitsize=True)
    return mark_safe(svg)  # noqa: S308


@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("code")
@pending_signed_in_required
def totp_enrol(request: HttpRequest, pending: PendingAuthorization, user: IdpUser) -> HttpResponse:
    """First use of a second factor: show a new secret, save it once a code proves it works.

    This happens right after the password, as on Auth0: someone holding only the password of
    a user who never enrolled could enrol their own app. Seeded demo users are enrolled.
    """
    if policy.phishing_resistant_required(pending.params.get("acr_values") or ""):
        return HttpResponseRedirect(step_url("passkey", pending))  # a code will not do
    if user.has_totp:  # never let a password alone replace an existing authenticator
        return HttpResponseRedirect(step_url("totp", pending))
    if pending.password_at is None:
        # A step-up on a recent session skips the password; a new authenticator never does,
        # or whoever finds the session open could bind their own phone to the account.
        return HttpResponseRedirect(step_url("sign_in", pending))
    refused = False
    if request.method == "POST":
        form = EnrolForm(request.POST)
        try:
            candidate = signing.loads(
                request.POST.get("signed_secret", ""), salt=ENROL_SALT, max_age=ENROL_MAX_AGE
            )
        except signing.BadSignature:
            return HttpResponseRedirect(step_url("totp_enrol", pending))
        if candidate["user"] != user.pk:
            return HttpResponseRedirect(step_url("totp_enrol", pending))
        secret = candidate["secret"]
        if form.is_valid():
            try:
                factors.totp_enrol(
                    user=user, secret=secret, code=form.cleaned_data["code"], ip=client_ip(request)
                )
            except factors.AuthenticationFailed as exc:
                form.add_error("code", failure_message(exc))
                refused = True
            else:
                return _second_factor_passed(request, pending)
    else:
        secret = factors.totp_pending_secret(user=user, max_age=ENROL_MAX_AGE)
        signed = signing.dumps({"user": user.pk, "secret": secret}, salt=ENROL_SALT)
        form = EnrolForm(initial={"signed_secret": signed})
    uri = factors.totp_provisioning_uri(user=user, secret=secret)
    context = {
        "form": form,
        "user": user,
        "tx": pending.key,
        "purpose": purpose_of(pending),
        "payment": payment_requested(pending.params),
        "qr_svg": _qr_svg(uri),
        # A phone cannot scan its own screen: the otpauth:// link opens the authenticator
        # app on it, and the key can be copied (static/devidp/copy.js) or typed.
        "otpauth_uri": uri,
        "secret": secret,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "devidp/totp_enrol.html", context, status=400 if refused else 200)
