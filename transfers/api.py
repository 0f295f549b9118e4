"""The `transfer:funds` resource API: one transfer per single-use, MFA-backed token."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from accounts.decorators import CustomerRequest, customer_required
from accounts.errors import ApplicationError, ApprovalRequired, NotFound, TransferInvalid
from accounts.selectors import mask_name, payee_lookup
from accounts.throttle import payee_lookups, rate_limited
from api_auth.authorization_details import details_challenge, details_check
from api_auth.conf import PHISHING_RESISTANT_ACR
from api_auth.decorators import recent_mfa_check, recent_mfa_required, token_required
from api_auth.introspection import introspected
from api_auth.problems import api_view, problem_response
from api_auth.single_use import single_use

from .models import Transfer
from .selectors import payee_known
from .services import (
    APPROVAL_TYPE,
    phishing_resistant_required,
    transfer_amount_parse,
    transfer_create,
)

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{8,255}")  # visible ASCII, e.g. a UUID
FIELDS = ("source", "destination", "amount", "memo")


# A returned answer (201 completed, 422 declined) spends the token with that answer; an
# error raised (bad body, idempotency conflict) rolls back and spends nothing. A token the
# issuer has revoked is refused before anything is spent (RFC 7662, when offered).
@api_view("POST")
@token_required("transfer:funds")
@recent_mfa_required()
@introspected
@customer_required
@single_use
def transfers_create(request: CustomerRequest) -> JsonResponse:
    idempotency_key = _idempotency_key(request)
    fields = _transfer_fields(request)
    amount = transfer_amount_parse(fields["amount"])
    if phishing_resistant_required(amount=amount):
        # RFC 9470: a large amount asks for a passkey by name (acr_values), before anything
        # is spent; the web app steps up once more for it.
        recent_mfa_check(request, acr=PHISHING_RESISTANT_ACR)
    # A token that approved a payment (RFC 9396) is good for exactly that payment.
    approval = _approval(fields, amount, idempotency_key)
    approved = details_check(request.token, type=APPROVAL_TYPE, expected=approval)
    try:
        transfer = transfer_create(
            customer=request.customer,
            source_number=fields["source"],
            destination_number=fields["destination"],
            amount=amount,
            memo=fields["memo"],
            idempotency_key=idempotency_key,
            approved=approved,
        )
    except ApprovalRequired:
        # Tell the client what to ask the identity provider to approve.
        raise details_challenge(type=APPROVAL_TYPE, expected=approval) from None
    return transfer_answer(transfer)


def transfer_answer(transfer: Transfer) -> JsonResponse:
    """201 with a completed transfer; a declined one is a 422 problem that carries it."""
    if transfer.is_completed:
        return JsonResponse({"transfer": _transfer_json(transfer)}, status=201)
    return problem_response(
        status=422,
        detail=f"The transfer was declined: {transfer.get_decline_reason_display().lower()}.",
        code=transfer.decline_reason,
        extensions={"transfer": _transfer_json(transfer)},
    )


@api_view("GET")
@token_required("read:accounts")
@introspected
@customer_required
def transfer_detail(request: CustomerRequest, transfer_id: str) -> JsonResponse:
    try:
        pk = uuid.UUID(transfer_id)  # any spelling of a UUID, as OpenAPI's format allows
    except ValueError:
        raise NotFound("No such transfer.") from None
    transfer = (
        Transfer.objects.select_related("source", "destination")
        .filter(customer=request.customer, pk=pk)
        .first()
    )
    if transfer is None:
        raise NotFound("No such transfer.")
    return JsonResponse({"transfer": _transfer_json(transfer)})


@api_view("GET")
@token_required("read:accounts")
@introspected
@customer_required
@rate_limited(payee_lookups)
def payee_detail(request: CustomerRequest, number: str) -> JsonResponse:
    account = payee_lookup(number=number)
    if account is None:
        raise NotFound("No open account has that number.", field="number")
    own = account.customer_id == request.customer.pk
    name = f"Your {account.kind} account" if own else mask_name(account.customer.name)
    known = payee_known(customer=request.customer, number=account.number)
    return JsonResponse({"payee": {"number": account.number, "name": name, "known": known}})


def _approval(fields: dict[str, str], amount: Decimal, idempotency_key: str) -> dict[str, str]:
    """The members of an approved fabrikam_transfer that must equal this request's."""
    return {
        "amount": f"{amount:.2f}",
        "currency": settings.CURRENCY,
        "source": fields["source"].strip(),
        "destination": fields["destination"].strip(),
        "idempotency_key": idempotency_key,
        # What the payee and the payer will read is part of what was approved.
        "memo": fields["memo"].strip(),
    }


def _idempotency_key(request: HttpRequest) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApplicationError(
            "Send an Idempotency-Key header: 8 to 255 visible ASCII characters, e.g. a UUID.",
            field="Idempotency-Key",
            code="idempotency_key_required",
        )
    return key


def _transfer_fields(request: HttpRequest) -> dict[str, str]:
    if request.content_type != "application/json":
        raise ApplicationError("Send the transfer as application/json.", code="invalid_body")
    try:
        # Numbers become Decimal, never float: 0.1 stays 0.1.
        body = json.loads(request.body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApplicationError("The body is not valid JSON.", code="invalid_body") from None
    if not isinstance(body, dict):
        raise ApplicationError("The body must be a JSON object.", code="invalid_body")
    fields = {}
    for name in FIELDS:
        value = body.get(name, "" if name == "memo" else None)
        if value is None or (name != "memo" and value == ""):
            raise TransferInvalid(f"{name} is required.", field=name, code="field_required")
        if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
            raise TransferInvalid(f"{name} must be a string.", field=name, code="invalid_field")
        fields[name] = str(value)
    return fields


def _transfer_json(transfer: Transfer) -> dict[str, Any]:
    return {
        "id": str(transfer.pk),
        "status": transfer.status,
        "decline_reason": transfer.decline_reason or None,
        "decline_message": transfer.get_decline_reason_display() or None,
        "source": transfer.source.number,
        "destination": transfer.destination_number,
        "amount": f"{transfer.amount:.2f}",
        "memo": transfer.memo,
        "created_at": transfer.created_at.isoformat(),
    }
