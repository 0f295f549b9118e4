"""The web app's side of a transfer: pending transfers in the session, and sending one to
the API with the single-use elevated token."""

from __future__ import annotations

import re
from typing import Any

import requests
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts import api_client
from accounts.api_answers import ACCOUNT_NUMBER, MONEY, TIMESTAMP, UUID
from accounts.errors import ApplicationError, StepUpRequired
from oidc_client.session import elevated_token_take
from oidc_client.stepup import StepUp

PENDING_KEY = "pending_transfer"
# Opening the transfer page re-authenticates for `transfer:funds`, with MFA, right now.
TRANSFER_STEP_UP = StepUp(
    kind="api",
    scope="transfer:funds",
    max_age=0,
    message="Second factor confirmed: you can make one transfer.",
)
_CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')
# What the pages read from the API's transfers and payees (see accounts/api_answers.py).
TRANSFER = {
    "id": UUID,
    "status": str,
    "decline_message": (str, None),
    "source": str,
    "destination": str,
    "amount": MONEY,
    "memo": str,
    "created_at": TIMESTAMP,
}
TRANSFER_ANSWER = {"transfer": TRANSFER}
PAYEE_ANSWER = {"payee": {"number": ACCOUNT_NUMBER, "name": str}}


class TransferNotAuthorized(ApplicationError):
    """The API refused the elevated token (expired, already used, wrong scope)."""

    status = 403


def challenge_params(header: str) -> dict[str, str]:
    """`Bearer error="x", max_age=300` -> {"error": "x", "max_age": "300"}."""
    return {name: quoted or bare for name, quoted, bare in _CHALLENGE_PARAM.findall(header)}


def pending_store(request: HttpRequest, data: dict[str, Any], payee: str) -> None:
    request.session[PENDING_KEY] = {
        "source": data["source"],
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


def payee_name(request: HttpRequest, number: str) -> str:
    return api_client.get_json(request, f"payees/{number}", PAYEE_ANSWER)["payee"]["name"]


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
        return api_client.answer(response, TRANSFER_ANSWER, path="transfers")["transfer"]
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


def _is_decline(response: requests.Response) -> bool:
    """A declined transfer is a 422 that carries the transfer; other 422s are refusals."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "transfer" in body
