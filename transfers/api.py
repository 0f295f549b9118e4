"""The `transfer:funds` resource API: one transfer per single-use, MFA-backed token."""

from __future__ import annotations

import hashlib
import json
import random
import re
import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse

from accounts.selectors import mask_name, payee_lookup
from fabrikam.auth_context import requires_recent_mfa
from fabrikam.bearer import BearerChallenge, requires_scope
from fabrikam.errors import ApplicationError, NotFound, TransferInvalid
from fabrikam.problems import PROBLEM_CONTENT_TYPE, api_view

from .models import StepUpEvent, Transfer
from .services import transfer_create
from .tokens import (
    consumed_token_get,
    consumed_tokens_purge,
    stepup_event_record,
    token_consume,
    token_use_key,
)

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{8,255}")  # visible ASCII, e.g. a UUID
FIELDS = ("source", "destination", "amount", "memo")
PURGE_PROBABILITY = 0.01  # purge spent tokens now and then, without a scheduler


@api_view("POST")
@requires_scope("transfer:funds")
@requires_recent_mfa
def transfers_create(request: HttpRequest) -> JsonResponse:
    token = request.token
    idempotency_key = _idempotency_key(request)
    fields = _transfer_fields(request)
    fingerprint = hashlib.sha256(
        json.dumps([idempotency_key, fields], sort_keys=True).encode()
    ).hexdigest()
    use_key = token_use_key(token.claims, token.key)
    client_id = str(token.claims.get("client_id") or token.claims.get("azp") or "")

    if (spent := consumed_token_get(use_key)) is not None:
        return _retry_or_refuse(request, spent, idempotency_key, fingerprint)

    consumed: list[Transfer] = []

    def spend(transfer: Transfer) -> None:
        token_consume(
            key=use_key,
            transfer=transfer,
            expires_at=token.claims["exp"],
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            response=_outcome(transfer),
        )
        consumed.append(transfer)

    try:
        transfer = transfer_create(
            customer=request.customer,
            source_number=fields["source"],
            destination_number=fields["destination"],
            amount=fields["amount"],
            memo=fields["memo"],
            idempotency_key=idempotency_key,
            within_transaction=spend,
        )
        if not consumed:
            # The Idempotency-Key named a transfer made earlier: this token fetched its
            # result, and that spends it too.
            with transaction.atomic():
                spend(transfer)
    except IntegrityError:
        # Another request spent this token while we were working; ours wrote nothing.
        spent = consumed_token_get(use_key)
        if spent is None:
            raise
        return _retry_or_refuse(request, spent, idempotency_key, fingerprint)

    stepup_event_record(
        sub=token.sub,
        outcome=StepUpEvent.Outcome.TOKEN_ACCEPTED,
        client_id=client_id,
        detail=f"transfer {transfer.pk} {transfer.status}",
    )
    if random.random() < PURGE_PROBABILITY:  # noqa: S311 - not security-relevant
        consumed_tokens_purge()
    status, body = _outcome(transfer)
    return _json(status, body)


@api_view("GET")
@requires_scope("read:accounts")
def transfer_detail(request: HttpRequest, transfer_id: str) -> JsonResponse:
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
@requires_scope("read:accounts")
def payee_detail(request: HttpRequest, number: str) -> JsonResponse:
    account = payee_lookup(number=number)
    if account is None:
        raise NotFound("No open account has that number.", field="number")
    own = account.customer_id == request.customer.pk
    name = f"Your {account.kind} account" if own else mask_name(account.customer.name)
    return JsonResponse({"payee": {"number": account.number, "name": name}})


def _retry_or_refuse(
    request: HttpRequest, spent, idempotency_key: str, fingerprint: str
) -> JsonResponse:
    """An exact retry (same token, key and body) gets the first answer; anything else is
    a replay."""
    if spent.idempotency_key == idempotency_key and spent.request_fingerprint == fingerprint:
        return _json(spent.response_status, spent.response_body)
    stepup_event_record(
        sub=request.token.sub,
        outcome=StepUpEvent.Outcome.TOKEN_REPLAYED,
        client_id=str(request.token.claims.get("client_id") or ""),
        detail=f"token already spent on transfer {spent.transfer_id}",
    )
    raise BearerChallenge("invalid_token", "The access token has already been used.")


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
    except (ValueError, UnicodeDecodeError):
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


def _outcome(transfer: Transfer) -> tuple[int, dict[str, Any]]:
    """The response a transfer gets: 201, or a 422 problem naming the decline."""
    if transfer.is_completed:
        return 201, {"transfer": _transfer_json(transfer)}
    body = {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": f"The transfer was declined: {transfer.get_decline_reason_display().lower()}.",
        "code": transfer.decline_reason,
        "transfer": _transfer_json(transfer),
    }
    return 422, body


def _json(status: int, body: dict[str, Any]) -> JsonResponse:
    if status >= 400:
        return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    return JsonResponse(body, status=status)


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
