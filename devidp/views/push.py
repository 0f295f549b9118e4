"""The second factor by phone (`/u/mfa/push`): the browser shows a number, the phone picks
it from three and signs its answer; this page then moves on by itself (its script polls
`/u/mfa/push/status`), or by a button without JavaScript."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .. import policy, push, sso
from ..flow import (
    PendingNotFound,
    authorization_cancel,
    authorization_respond,
    pending_signed_in_get,
    step_url,
)
from ..models import Client, IdpUser, PendingAuthorization, PushRequest
from ..purpose import purpose_of
from ..rar import payment_requested
from .pending import pending_signed_in_required

DECLINED = "You declined on your phone."
STATE_MESSAGES = {
    "pending": "Not approved yet. Check your phone.",
    "expired": "This request has expired. Send a new one, or use another way.",
    "mismatched": "The number picked on your phone was not the one shown here, so the "
    "request was cancelled. Send a new one, or use another way.",
}


def _ask(request: HttpRequest, pending: PendingAuthorization) -> push.Ask:
    purpose = purpose_of(pending)
    payment = payment_requested(pending.params)
    return push.Ask(
        client=pending_client(pending),
        asks=list(purpose.asks),
        payment=f"Pay {payment}" if payment else "",
        browser=push.browser_described(request.headers.get("User-Agent", "")),
    )


def pending_client(pending: PendingAuthorization) -> Client:
    return Client.objects.get(client_id=pending.params["client_id"])


def _purpose_key(pending: PendingAuthorization) -> str:
    params = pending.params
    return push.purpose_key(
        client_id=params.get("client_id", ""),
        scope=params.get("scope") or "",
        details=params.get("authorization_details") or "",
    )


def _page(
    request: HttpRequest,
    pending: PendingAuthorization,
    user: IdpUser,
    sent: PushRequest | None,
    *,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "user": user,
        "tx": pending.key,
        "purpose": purpose_of(pending),
        "payment": payment_requested(pending.params),
        "push": sent if sent is not None and push.push_state(sent) == "pending" else None,
        "error": error,
        "passkey_url": step_url("passkey", pending) if user.passkeys.exists() else None,
        "totp_url": step_url("totp" if user.has_totp else "totp_enrol", pending),
    }
    return render(request, "devidp/push.html", context, status=status)


@require_http_methods(["GET", "POST"])
@never_cache
@pending_signed_in_required
def push_step(request: HttpRequest, pending: PendingAuthorization, user: IdpUser) -> HttpResponse:
    if policy.phishing_resistant_required(pending.params.get("acr_values") or ""):
        return HttpResponseRedirect(step_url("passkey", pending))  # a phone will not do
    if not push.has_phone(user):
        return HttpResponseRedirect(step_url("totp" if user.has_totp else "totp_enrol", pending))
    if request.method == "POST" and request.POST.get("action") == "continue":
        return _continue(request, pending, user)
    try:
        sent = push.push_send(
            user=user,
            ask=_ask(request, pending),
            key=_purpose_key(pending),
            session=pending.session,
            pending=pending,
            resend=request.method == "POST" and request.POST.get("action") == "resend",
        )
    except push.PushRefused as exc:
        open_request = push.step_up_request(pending)
        return _page(request, pending, user, open_request, error=str(exc), status=429)
    return _page(request, pending, user, sent)


def _continue(request: HttpRequest, pending: PendingAuthorization, user: IdpUser) -> HttpResponse:
    sent = push.step_up_request(pending)
    state = push.push_state(sent) if sent else "expired"
    if state == "declined":
        # A denial ends the request: the client hears access_denied, and nothing is issued.
        return authorization_cancel(request, pending, description=DECLINED)
    if state == "approved" and sent is not None and push.approval_spend(sent):
        sso.session_add_second_factor(pending.session, push.AMR)
        pending.mfa_at = sent.decided_at
        pending.save(update_fields=["mfa_at"])
        return authorization_respond(request, pending.params, pending)
    message = STATE_MESSAGES.get(state, STATE_MESSAGES["expired"])
    return _page(request, pending, user, sent, error=message, status=400)


@require_GET
@never_cache
def push_status(request: HttpRequest) -> JsonResponse:
    """The page's script asks this every few seconds; it moves on once this is not pending."""
    try:
        pending = pending_signed_in_get(request, request.GET.get("tx", ""))
    except PendingNotFound:
        return JsonResponse({"state": "expired"}, status=404)
    sent = push.step_up_request(pending)
    return JsonResponse({"state": push.push_state(sent) if sent else "expired"})
