"""The web app's side of a transfer: pending transfers in the session, and sending one to
the API with the single-use elevated token."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

import requests
from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts import api_client
from accounts.api_errors import ApprovalNeeded, StepUpRequired, TransferNotAuthorized
from oidc_client.session import elevated_info, elevated_token_take
from oidc_client.stepup import StepUp

from .services import APPROVAL_TYPE, approval_required, phishing_resistant_required

PENDING_KEY = "pending_transfer"
RECEIPT_NAMES_KEY = "transfer_receipt_names"
RECEIPTS_NAMED = 5
# Opening the transfer page asks the identity provider for `transfer:funds` with MFA. No
# max_age=0: the provider asks for a fresh second factor every time, and for the password
# too only when its session is old (an Auth0 Action's MFA challenge behaves the same). The
# callback and the API both insist on a second factor from the last STEP_UP_MAX_AGE seconds.
# No message: the transfer page itself says the second factor was confirmed.
TRANSFER_STEP_UP = StepUp(kind="api", scope="transfer:funds", max_age=None, message="")
# Approving one payment: the identity provider demands a fresh second factor for the
# approval itself, so the password is not asked again while its session is alive.
# No message either: the confirmation page says the payment is approved.
APPROVAL_STEP_UP = replace(TRANSFER_STEP_UP)


def challenge_params(header: str) -> dict[str, str]:
    """`Bearer error="x", max_age=300` -> {"error": "x", "max_age": "300"}."""
    # RFC 9110 §11.6.1: a scheme, then comma-separated auth-params, values quoted or not.
    # One challenge is all the API sends; a part that is no name=value is ignored.
    _scheme, _, params = header.strip().partition(" ")
    return parse_keqv_list([part for part in parse_http_list(params) if "=" in part])


def pending_store(
    request: HttpRequest, data: dict[str, Any], payee: dict[str, Any], source_name: str
) -> None:
    request.session[PENDING_KEY] = {
        "source": data["source"],
        "source_name": source_name,
        "destination": data["destination"],
        "amount": f"{data['amount']:.2f}",
        "memo": data.get("memo", ""),
        "idempotency_key": data["idempotency_key"],
        "payee": payee["name"],
        "known_payee": bool(payee.get("known")),
        "stepped_up": False,
        "approval_asked": False,
    }


def pending_get(request: HttpRequest) -> dict[str, Any] | None:
    return request.session.get(PENDING_KEY)


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def receipt_names_keep(request: HttpRequest, transfer_id: str, pending: dict[str, Any]) -> None:
    """Remember, for the receipt, the names the customer confirmed: the API's transfer
    carries account numbers only. The last few transfers of this session are kept."""
    names = request.session.get(RECEIPT_NAMES_KEY, {})
    names[transfer_id] = {"source_name": pending.get("source_name", ""), "payee": pending["payee"]}
    request.session[RECEIPT_NAMES_KEY] = dict(list(names.items())[-RECEIPTS_NAMED:])


def receipt_names(request: HttpRequest, transfer_id: str) -> dict[str, str]:
    return request.session.get(RECEIPT_NAMES_KEY, {}).get(transfer_id, {})


def payee_lookup(request: HttpRequest, number: str) -> dict[str, Any]:
    """{"name": a masked name, "known": paid before} for an open account number."""
    return api_client.get_json(request, f"payees/{number}", "Payee")["payee"]


def approval_needed(pending: dict[str, Any]) -> bool:
    """The bank's rule, applied ahead of the API so the customer approves before sending
    rather than after a refusal (the API applies it again, under its locks)."""
    known = bool(pending.get("known_payee"))  # a pending transfer from before this rule: no
    return approval_required(amount=Decimal(pending["amount"]), paid_before=known)


def passkey_needed(pending: dict[str, Any]) -> bool:
    """The bank's rule, for the page to warn about; the API alone enforces it, with an RFC
    9470 challenge that `transfer_submit` turns into one more step-up."""
    return phishing_resistant_required(amount=Decimal(pending["amount"]))


def approval_details(pending: dict[str, Any]) -> list[dict[str, str]]:
    """What the identity provider shows and the token must carry (RFC 9396)."""
    return [
        {
            "type": APPROVAL_TYPE,
            "amount": pending["amount"],
            "currency": settings.CURRENCY,
            "source": pending["source"],
            "source_name": pending.get("source_name", ""),
            "destination": pending["destination"],
            "payee": pending["payee"],
            "idempotency_key": pending["idempotency_key"],
            # Shown on the approval screen: the payee reads it, so the customer approves it.
            "memo": (pending.get("memo") or "").strip(),
        }
    ]


def approval_held(request: HttpRequest, pending: dict[str, Any]) -> bool:
    held = elevated_info(request, TRANSFER_STEP_UP.scope)
    return held is not None and held.get("authorization_details") == approval_details(pending)


@sensitive_variables("token")
def transfer_submit(request: HttpRequest, pending: dict[str, Any]) -> dict[str, Any]:
    """Send the pending transfer; return the API's transfer (completed or declined).

    Raises StepUpRequired when a (new) second factor is needed first,
    TransferNotAuthorized when the API refused the token outright, and UnexpectedAnswer
    when the answer is none of the API's (then nobody knows yet whether money moved).
    """
    token = elevated_token_take(request, TRANSFER_STEP_UP.scope)
    if token is None:
        raise StepUpRequired(
            "Confirm it is you to send this transfer.", acr_values=None, max_age=None
        )
    response = api_client.call(
        request,
        "POST",
        "transfers",
        token=token,
        raise_for_status=False,
        json={k: pending[k] for k in ("source", "destination", "amount", "memo")},
        headers={"Idempotency-Key": pending["idempotency_key"]},
    )
    if response.status_code in (200, 201) or (
        response.status_code == 422 and _is_decline(response)
    ):
        return api_client.answer(response, "TransferResult", path="transfers")["transfer"]
    if response.status_code == 401:
        challenge = challenge_params(response.headers.get("WWW-Authenticate", ""))
        if challenge.get("error") == "insufficient_user_authentication":
            max_age = challenge.get("max_age", "")
            raise StepUpRequired(
                challenge.get("error_description") or "A fresh second factor is needed.",
                acr_values=challenge.get("acr_values"),
                max_age=int(max_age) if max_age.isdigit() else None,
            )
        raise TransferNotAuthorized(
            "Your verification for this transfer has expired or was already used. "
            "Confirm again to verify and send it."
        )
    if response.status_code == 403 and "insufficient_authorization_details" in response.headers.get(
        "WWW-Authenticate", ""
    ):
        raise ApprovalNeeded("This payment needs your approval at the identity provider.")
    if response.status_code == 403:
        raise TransferNotAuthorized(
            "The identity provider did not grant permission to move money (transfer:funds). "
            "Nothing was sent."
        )
    raise api_client.ApiError(response)


def _is_decline(response: requests.Response) -> bool:
    """A declined transfer is a 422 that carries the transfer; other 422s are refusals."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "transfer" in body
