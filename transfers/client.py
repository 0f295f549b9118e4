"""The web app's side of a transfer: pending transfers in the session, and sending one to
the API with the single-use elevated token."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest

from accounts import api_client
from accounts.errors import ApplicationError, StepUpRequired
from oidc_client.session import elevated_token_take
from oidc_client.stepup import StepUp

PENDING_KEY = "pending_transfer"
RECEIPT_NAMES_KEY = "transfer_receipt_names"
RECEIPTS_NAMED = 5
# Opening the transfer page asks the identity provider for `transfer:funds` with MFA. No
# max_age=0: the provider asks for a fresh second factor every time, and for the password
# too only when its session is old (an Auth0 Action's MFA challenge behaves the same). The
# callback and the API both insist on a second factor from the last STEP_UP_MAX_AGE seconds.
# No message: the transfer page itself says the second factor was confirmed.
TRANSFER_STEP_UP = StepUp(kind="api", scope="transfer:funds", max_age=None, message="")
_CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


class TransferNotAuthorized(ApplicationError):
    """The API refused the elevated token (expired, already used, wrong scope)."""

    status = 403


def challenge_params(header: str) -> dict[str, str]:
    """`Bearer error="x", max_age=300` -> {"error": "x", "max_age": "300"}."""
    return {name: quoted or bare for name, quoted, bare in _CHALLENGE_PARAM.findall(header)}


def pending_store(request: HttpRequest, data: dict[str, Any], payee: str, source_name: str) -> None:
    request.session[PENDING_KEY] = {
        "source": data["source"],
        "source_name": source_name,
        "destination": data["destination"],
        "amount": f"{data['amount']:.2f}",
        "memo": data.get("memo", ""),
        "idempotency_key": data["idempotency_key"],
        "payee": payee,
        "stepped_up": False,
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


def payee_name(request: HttpRequest, number: str) -> str:
    return api_client.get_json(request, f"payees/{number}")["payee"]["name"]


def transfer_submit(request: HttpRequest, pending: dict[str, Any]) -> dict[str, Any]:
    """Send the pending transfer; return the API's transfer (completed or declined).

    Raises StepUpRequired when a (new) second factor is needed first, and
    TransferNotAuthorized when the API refused the token outright.
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
    body = response.json() if response.content else {}
    if response.status_code in (200, 201) or (response.status_code == 422 and "transfer" in body):
        return body["transfer"]
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
    if response.status_code == 403:
        raise TransferNotAuthorized(
            "The identity provider did not grant permission to move money (transfer:funds). "
            "Nothing was sent."
        )
    raise api_client.ApiError(response)
