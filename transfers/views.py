"""Transfer pages: the form (behind a step-up), the confirmation, and the receipt."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import api_client
from accounts.errors import NotFound
from oidc_client import stepup
from oidc_client.errors import ApprovalUnsupported

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
            own = {a["number"] for a in accounts}
            client.pending_store(
                request, form.cleaned_data, payee, source["kind"].title(), own_numbers=own
            )
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
                "needs": client.needs(request, pending),
                "threshold": settings.TRANSACTION_APPROVAL_THRESHOLD,
                "passkey_threshold": settings.PHISHING_RESISTANT_THRESHOLD,
                "idp_account_url": settings.IDP_ACCOUNT_URL,
            },
        )
    outcome = client.transfer_send(request, pending)
    if isinstance(outcome, client.AskProvider):
        return _ask_provider(request, pending, outcome)
    if isinstance(outcome, client.NotSent):
        messages.error(request, outcome.message)
        return redirect("transfer-confirm")
    client.pending_clear(request)
    # The receipt says whether it was sent or declined: no message to repeat it.
    client.receipt_names_keep(request, outcome.transfer["id"], pending)
    return redirect("transfer-detail", transfer_id=outcome.transfer["id"])


def _ask_provider(
    request: HttpRequest, pending: dict[str, Any], ask: client.AskProvider
) -> HttpResponse:
    """To the identity provider and back to the confirmation: to approve exactly this payment
    (RFC 9396 via RFC 9126), or for a second factor, with the acr and max_age asked for
    (RFC 9470)."""
    step_up = APPROVAL_STEP_UP if ask.approval else TRANSFER_STEP_UP
    details = client.approval_details(pending) if ask.approval else None
    try:
        return stepup.start(
            request,
            step_up,
            reverse("transfer-confirm"),
            acr_values=ask.acr_values,
            max_age=ask.max_age,
            authorization_details=details,
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
