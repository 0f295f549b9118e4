"""The web app's side of a transfer: pending transfers in the session, what a payment needs
before it is sent, and sending one to the API with the single-use elevated token.

`transfer_send` is the confirm step: it returns an outcome (sent, ask the identity provider,
not sent) that the view maps to a page."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

import requests
from django.conf import settings
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts import api_client
from accounts.api_errors import (
    ApprovalNeeded,
    ServiceUnavailable,
    StepUpRequired,
    TransferNotAuthorized,
    UnexpectedAnswer,
)
from oidc_client.conf import PHISHING_RESISTANT_ACR
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
    request: HttpRequest,
    data: dict[str, Any],
    payee: dict[str, Any],
    source_name: str,
    *,
    own_numbers: Collection[str] = (),
) -> None:
    """Keep the reviewed transfer until it is sent. `own_numbers`: the customer's accounts,
    which are always known payees (the look-ahead need not wait for the API to say so)."""
    request.session[PENDING_KEY] = {
        "source": data["source"],
        "source_name": source_name,
        "destination": data["destination"],
        "amount": f"{data['amount']:.2f}",
        "memo": data.get("memo", ""),
        "idempotency_key": data["idempotency_key"],
        "payee": payee["name"],
        "known_payee": bool(payee.get("known")) or data["destination"] in own_numbers,
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
    return approval_required(amount=Decimal(pending["amount"]), known_payee=known)


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


def factor_held(request: HttpRequest) -> str | None:
    """Which second factor the elevated token was given for: "passkey", "code", or None
    (no token). The pages word what comes next from it, never from a guess."""
    held = elevated_info(request, TRANSFER_STEP_UP.scope)
    if not held:
        return None
    return "passkey" if held.get("acr") == PHISHING_RESISTANT_ACR else "code"


def acr_needed(pending: dict[str, Any]) -> str | None:
    """The authentication context this payment needs beyond MFA: the phishing-resistant
    policy above its threshold, asked for in the first request so a code is never wasted."""
    return PHISHING_RESISTANT_ACR if passkey_needed(pending) else None


@dataclass(frozen=True)
class Needs:
    """What the confirmation page says and which button it shows, from the payment's rules
    and the token the session holds."""

    approval: bool  # the payment must be approved as exactly this payment
    approved: bool  # ... and the session holds that approval
    verified: bool  # an elevated token is held
    passkey: bool  # the payment needs a passkey
    factor: str | None  # the held token's factor: "passkey", "code" or None

    @property
    def ready(self) -> bool:
        """Send goes straight to the API: nothing is missing that the look-ahead knows of."""
        approval_ok = self.approved or not self.approval
        return self.verified and approval_ok and (self.factor == "passkey" or not self.passkey)


def needs(request: HttpRequest, pending: dict[str, Any]) -> Needs:
    return Needs(
        approval=approval_needed(pending),
        approved=approval_held(request, pending),
        verified=elevated_info(request, TRANSFER_STEP_UP.scope) is not None,
        passkey=passkey_needed(pending),
        factor=factor_held(request),
    )


# --- the confirm step: its outcomes, which the view maps to pages ---------------------------


@dataclass(frozen=True)
class Sent:
    """The API answered with the transfer, completed or declined."""

    transfer: dict[str, Any]


@dataclass(frozen=True)
class AskProvider:
    """Go to the identity provider first: to approve this payment (`approval`), or for a
    fresh second factor, with the acr and max_age the payment or the API's challenge need."""

    approval: bool
    acr_values: str | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class NotSent:
    """Nothing was sent, or nobody knows yet; the pending transfer stays, with its
    Idempotency-Key, so confirming again can only repeat the first answer."""

    message: str


ConfirmOutcome = Sent | AskProvider | NotSent


def transfer_send(request: HttpRequest, pending: dict[str, Any]) -> ConfirmOutcome:
    """One press of Send on the confirmation page.

    First the look-ahead: what the bank's rules will demand (an approval of this payment, a
    passkey) is asked for before the single-use token is spent, all in one visit to the
    provider. Then the API, whose refusals lead to at most one automatic visit each; a
    second one ends the attempt with an explanation (never a loop) and keeps the transfer.
    """
    now = needs(request, pending)
    if not now.ready and (now.approval or now.passkey):
        return _ask(request, pending, acr_values=acr_needed(pending))
    try:
        return Sent(transfer_submit(request, pending))
    except ApprovalNeeded:
        if pending.get("approval_asked"):
            return _give_up(
                request,
                pending,
                "The bank still wanted an approval after you approved, so the transfer was not "
                "sent.",
            )
        return _ask(request, pending, acr_values=acr_needed(pending))
    except StepUpRequired as challenge:
        if pending.get("stepped_up"):
            # One automatic step-up per attempt: a second challenge means something is wrong.
            return _give_up(
                request,
                pending,
                "The bank still asked for a fresh second factor after you verified, so the "
                "transfer was not sent.",
            )
        _flag(request, pending, "stepped_up", challenge.acr_values or challenge.max_age)
        # An approval left with the refused token: ask for it again together with what the
        # API asked for (e.g. a passkey), in one visit.
        return _ask(
            request,
            pending,
            acr_values=challenge.acr_values or acr_needed(pending),
            max_age=challenge.max_age,
        )
    except TransferNotAuthorized as refusal:
        return NotSent(refusal.message)
    except ServiceUnavailable as failure:
        # The request may have reached the bank before the answer was lost (or garbled).
        if isinstance(failure, UnexpectedAnswer):
            what = "could not read the bank's answer"
        else:
            what = "did not hear back from the bank"
        return NotSent(
            f"We {what}, so we cannot tell yet whether the transfer went through. "
            "Confirm again to find out: it can never be sent twice."
        )


def _ask(
    request: HttpRequest,
    pending: dict[str, Any],
    *,
    acr_values: str | None,
    max_age: int | None = None,
) -> AskProvider:
    approval = approval_needed(pending)
    if approval:
        _flag(request, pending, "approval_asked", True)
    return AskProvider(approval=approval, acr_values=acr_values, max_age=max_age)


def _give_up(request: HttpRequest, pending: dict[str, Any], reason: str) -> NotSent:
    """End this attempt without losing the transfer: the next Send is the customer's own
    choice, so it starts the automatic steps afresh without any risk of a loop."""
    _flag(request, pending, "approval_asked", False)
    _flag(request, pending, "stepped_up", False)
    return NotSent(f"{reason} Your transfer is still here: send it again to retry.")


def _flag(request: HttpRequest, pending: dict[str, Any], name: str, value: object) -> None:
    pending[name] = bool(value)
    request.session.modified = True


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
