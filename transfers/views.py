"""Transfer pages: the form (behind a step-up), the confirmation, and the receipt."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import api_client
from accounts.api_errors import (
    ApprovalNeeded,
    ServiceUnavailable,
    StepUpRequired,
    TransferNotAuthorized,
    UnexpectedAnswer,
)
from accounts.errors import NotFound
from oidc_client import stepup
from oidc_client.errors import ApprovalUnsupported
from oidc_client.session import elevated_info

from . import client
from .client import APPROVAL_STEP_UP, TRANSFER_STEP_UP
from .forms import TransferForm


# never_cache on each page: balances, payees and receipts must not stay in a cache.
@login_required
@stepup.step_up_required(TRANSFER_STEP_UP)
@never_cache
@require_http_methods(["GET", "POST"])
def transfer_new(request: HttpRequest) -> HttpResponse:
    accounts = api_client.get_json(request, "accounts", "AccountList")["accounts"]
    form = TransferForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            payee = client.payee_lookup(request, form.cleaned_data["destination"])
        except NotFound:
            form.add_error("destination", "No open Fabrikam account has that number.")
        except api_client.ApiError as refusal:
            if refusal.status != 429:
                raise
            form.add_error("destination", refusal.message)  # too many lookups: when to retry
        else:
            source = next(a for a in accounts if a["number"] == form.cleaned_data["source"])
            client.pending_store(request, form.cleaned_data, payee, source["kind"].title())
            return redirect("transfer-confirm")
    return render(request, "transfers/new.html", {"form": form, "accounts": accounts})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def transfer_confirm(request: HttpRequest) -> HttpResponse:
    pending = client.pending_get(request)
    if pending is None:
        messages.info(request, "There is no transfer waiting for confirmation.")
        return redirect("home")
    if request.method == "GET":
        return render(
            request,
            "transfers/confirm.html",
            {
                "pending": pending,
                "verified": elevated_info(request, TRANSFER_STEP_UP.scope) is not None,
                "approval_needed": client.approval_needed(pending),
                "approved": client.approval_held(request, pending),
                "threshold": settings.TRANSACTION_APPROVAL_THRESHOLD,
                "passkey_needed": client.passkey_needed(pending),
                "passkey_threshold": settings.PHISHING_RESISTANT_THRESHOLD,
                "idp_account_url": settings.IDP_ACCOUNT_URL,
            },
        )
    if client.approval_needed(pending) and not client.approval_held(request, pending):
        return _approve(request, pending)
    try:
        transfer = client.transfer_submit(request, pending)
    except ApprovalNeeded:
        if pending.get("approval_asked"):
            client.pending_clear(request)
            raise TransferNotAuthorized(
                "The bank still wanted an approval after you approved, so the transfer was not "
                "sent. Please start it again."
            ) from None
        return _approve(request, pending)
    except StepUpRequired as challenge:
        if pending["stepped_up"]:
            # One automatic step-up per attempt: a second challenge means something is wrong.
            client.pending_clear(request)
            raise TransferNotAuthorized(
                "The bank still asked for a fresh second factor after you verified, so the "
                "transfer was not sent. Please start it again."
            ) from None
        pending["stepped_up"] = challenge.acr_values is not None or challenge.max_age is not None
        request.session.modified = True
        if client.approval_needed(pending):
            # The approval left with the refused token: ask for it again, together with what
            # the API asked for (e.g. a passkey for a large amount), in one visit.
            return _approve(
                request, pending, acr_values=challenge.acr_values, max_age=challenge.max_age
            )
        return stepup.start(
            request,
            TRANSFER_STEP_UP,
            reverse("transfer-confirm"),
            acr_values=challenge.acr_values,
            max_age=challenge.max_age,
        )
    except TransferNotAuthorized as refusal:
        messages.error(request, refusal.message)
        return redirect("transfer-confirm")
    except ServiceUnavailable as failure:
        # The request may have reached the bank before the answer was lost (or garbled). The
        # pending transfer keeps its Idempotency-Key, so confirming again can only repeat
        # the answer.
        if isinstance(failure, UnexpectedAnswer):
            what = "could not read the bank's answer"
        else:
            what = "did not hear back from the bank"
        messages.error(
            request,
            f"We {what}, so we cannot tell yet whether the transfer went through. "
            "Confirm again to find out: it can never be sent twice.",
        )
        return redirect("transfer-confirm")
    client.pending_clear(request)
    # The receipt says whether it was sent or declined: no message to repeat it.
    client.receipt_names_keep(request, transfer["id"], pending)
    return redirect("transfer-detail", transfer_id=transfer["id"])


def _approve(
    request: HttpRequest,
    pending: dict,
    *,
    acr_values: str | None = None,
    max_age: int | None = None,
) -> HttpResponse:
    """Ask the identity provider to approve exactly this payment (RFC 9396 via RFC 9126),
    with the authentication the API's challenge named, if any (RFC 9470)."""
    pending["approval_asked"] = True
    request.session.modified = True
    try:
        return stepup.start(
            request,
            APPROVAL_STEP_UP,
            reverse("transfer-confirm"),
            acr_values=acr_values,
            max_age=max_age,
            authorization_details=client.approval_details(pending),
        )
    except ApprovalUnsupported:
        # Never a silent downgrade to a plain step-up: say so, and send nothing.
        return render(
            request,
            "transfers/approval_unsupported.html",
            {"pending": pending, "threshold": settings.TRANSACTION_APPROVAL_THRESHOLD},
            status=409,
        )


@login_required
@never_cache
@require_GET
def transfer_detail(request: HttpRequest, transfer_id: str) -> HttpResponse:
    transfer = api_client.get_json(request, f"transfers/{transfer_id}", "TransferResult")[
        "transfer"
    ]
    context = {"transfer": transfer, "names": client.receipt_names(request, transfer["id"])}
    return render(request, "transfers/receipt.html", context)
