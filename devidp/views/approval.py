"""The payment approval page: the person sees exactly what a client asks to pay, and says
yes or no, before the second factor that confirms it (RFC 9396 `authorization_details`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import policy
from ..flow import (
    authorization_cancel,
    authorization_respond,
    payment_approve,
)
from ..models import Client, IdpUser, PendingAuthorization
from ..rar import payment_requested
from .pending import expired, pending_signed_in_required

DECISIONS = ("approve", "decline")


@require_http_methods(["GET", "POST"])
@never_cache
@pending_signed_in_required
def approve(request: HttpRequest, pending: PendingAuthorization, user: IdpUser) -> HttpResponse:
    payment = payment_requested(pending.params)
    if payment is None:  # nothing to approve: this link was not made for this request
        return expired(request)
    decision = request.POST.get("decision")
    if request.method == "POST" and decision == "decline":
        return authorization_cancel(request, pending)
    if request.method == "POST" and decision == "approve":
        payment_approve(pending)
        return authorization_respond(request, pending.params, pending)
    client = Client.objects.filter(client_id=pending.params.get("client_id")).first()
    context = {
        "payment": payment,
        "client_name": client.name if client else "An application",
        "tx": pending.key,
        # What confirms the approval next, so the page never promises a code that will
        # not be enough (`flow._ask_next_step` picks the same way).
        "passkey_required": policy.phishing_resistant_required(
            pending.params.get("acr_values") or ""
        ),
        "has_passkey": user.passkeys.exists(),
    }
    status = 400 if request.method == "POST" else 200  # a POST without a known decision
    return render(request, "devidp/approve.html", context, status=status)
