"""Single-use access tokens: `@single_use` spends the token in the view's own transaction.

    @api_view("POST")
    @token_required("transfer:funds")
    @single_use
    def transfers_create(request): ...

The rule a view follows: an answer it returns spends the token (with that answer, inside
the same database transaction as the view's writes); an error it raises spends nothing,
because the transaction rolls back. An exact retry of the same request with the same token
gets the stored answer again; anything else with a spent token is `invalid_token`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .conf import MAX_LEEWAY
from .decorators import TokenRequest
from .errors import BearerChallenge
from .models import SpentToken
from .problems import View
from .signals import token_replayed, token_spent


def request_fingerprint(request: HttpRequest) -> str:
    """What makes a retry exact: method, path, Idempotency-Key and body, byte for byte."""
    parts = [
        request.method or "",
        request.path,
        request.headers.get("Idempotency-Key", ""),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode())
    digest.update(b"\x1f" + request.body)
    return digest.hexdigest()


def single_use(view: View) -> View:
    """Let each token reach `view` once; use under `token_required`."""

    @wraps(view)
    def wrapper(request: TokenRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.token
        fingerprint = request_fingerprint(request)
        spent = SpentToken.objects.filter(key=token.key).first()
        if spent is None:
            try:
                with transaction.atomic():
                    response = view(request, *args, **kwargs)
                    _record(token, fingerprint, response)
            except IntegrityError:
                # Another request spent this token while this one worked: the unique key
                # refused our record, and the rollback took our writes with it.
                spent = SpentToken.objects.filter(key=token.key).first()
                if spent is None:
                    raise
            else:
                token_spent.send(None, request=request, token=token, response=response)
                return response
        if spent.request_fingerprint == fingerprint:
            return HttpResponse(
                spent.response_body,
                status=spent.response_status,
                content_type=spent.response_content_type,
            )
        token_replayed.send(None, request=request, token=token)
        raise BearerChallenge("invalid_token", "The access token has already been used.")

    return wrapper


def _record(token: Any, fingerprint: str, response: HttpResponse) -> None:
    # A token is refused after exp + leeway; no leeway setting can exceed MAX_LEEWAY, so
    # the record outlives every moment the token could still be accepted.
    expires_at = datetime.fromtimestamp(token.claims["exp"], tz=UTC) + timedelta(
        seconds=MAX_LEEWAY + 1
    )
    SpentToken.objects.create(
        key=token.key,
        sub=token.sub[:255],
        request_fingerprint=fingerprint,
        response_status=response.status_code,
        response_content_type=response.get("Content-Type", "application/json")[:100],
        response_body=response.content.decode(response.charset or "utf-8"),
        expires_at=expires_at,
    )


def spent_tokens_purge(*, now: datetime | None = None) -> int:
    """Forget spent tokens that can no longer be accepted anyway; returns how many."""
    deleted, _ = SpentToken.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
