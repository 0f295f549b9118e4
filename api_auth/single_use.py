"""Single-use access tokens: `@single_use` spends the token in the view's own transaction.

    @api_view("POST")
    @token_required("transfer:funds")
    @single_use
    def transfers_create(request): ...

The rule a view follows: an answer it returns spends the token (with that answer, inside
the same database transaction as the view's writes); an error it raises spends nothing,
because the transaction rolls back. An exact retry of the same request with the same token
gets the stored answer again; anything else with a spent token is `invalid_token`.

Spending is optimistic: the view runs, then one `INSERT ... ON CONFLICT DO NOTHING` records
the token with its answer. The common case (a fresh token) costs that one statement and no
lookup; only when the unique key was already taken (a replay, an exact retry, or a race
lost) is the transaction rolled back and the stored record read. The price, paid by
replays alone: the view runs before the token is found spent (and its writes roll back).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, NoReturn

from django.db import DatabaseError, connections, router, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
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


class _AlreadySpent(Exception):
    """Raised inside the view's transaction to roll it back: the token was spent first."""


def single_use(view: View) -> View:
    """Let each token reach `view` once; use under `token_required`."""

    @wraps(view)
    def wrapper(request: TokenRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.token
        fingerprint = request_fingerprint(request)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if not _record(token, fingerprint, response):
                    # The unique key was taken (by an earlier request, or by one that raced
                    # this one and committed first): undo this request's writes.
                    raise _AlreadySpent
                # Inside the transaction, so what receivers write (the host's security
                # log) commits with the spend, or not at all.
                token_spent.send(None, request=request, token=token, response=response)
        except _AlreadySpent:
            spent = SpentToken.objects.filter(key=token.key).first()
            if spent is None:  # cannot be: the key was taken and is kept past the token's exp
                raise DatabaseError("the spent-token record vanished") from None
        except DatabaseError:
            raise  # an outage or a bug: the rollback spent nothing; no lookup on a sick link
        except Exception:
            # The view refused the request. A spent token is still answered as spent:
            # an exact retry with its stored answer, anything else with invalid_token.
            spent = SpentToken.objects.filter(key=token.key).first()
            if spent is None:
                raise
        else:
            return response
        if spent.request_fingerprint == fingerprint:
            return HttpResponse(
                spent.response_body,
                status=spent.response_status,
                content_type=spent.response_content_type,
            )
        _refuse_replay(request, token)

    return wrapper


def _refuse_replay(request: HttpRequest, token: Any) -> NoReturn:
    token_replayed.send(None, request=request, token=token)
    raise BearerChallenge("invalid_token", "The access token has already been used.")


def _record(token: Any, fingerprint: str, response: HttpResponse) -> bool:
    """Spend the token with its answer; False if its key was already spent.

    `INSERT ... ON CONFLICT DO NOTHING` (what `bulk_create(ignore_conflicts=True)` sends),
    run here so the row count says which happened. A plain INSERT would raise
    IntegrityError on a conflict, and on PostgreSQL that aborts the whole transaction.
    """
    # A token is refused after exp + leeway; no leeway setting can exceed MAX_LEEWAY, so
    # the record outlives every moment the token could still be accepted.
    expires_at = datetime.fromtimestamp(token.claims["exp"], tz=UTC) + timedelta(
        seconds=MAX_LEEWAY + 1
    )
    record = SpentToken(
        key=token.key,
        sub=token.sub[:255],
        request_fingerprint=fingerprint,
        response_status=response.status_code,
        response_content_type=response.get("Content-Type", "application/json")[:100],
        response_body=response.content.decode(response.charset or "utf-8"),
        expires_at=expires_at,
        spent_at=timezone.now(),
    )
    alias = router.db_for_write(SpentToken)
    query = InsertQuery(SpentToken, on_conflict=OnConflict.IGNORE)
    fields = [field for field in SpentToken._meta.concrete_fields if not field.primary_key]
    query.insert_values(fields, [record])
    inserted = 0
    with connections[alias].cursor() as cursor:
        for sql, params in query.get_compiler(alias).as_sql():
            cursor.execute(sql, params)
            inserted += cursor.rowcount
    return inserted == 1


def spent_tokens_purge(*, now: datetime | None = None) -> int:
    """Forget spent tokens that can no longer be accepted anyway; returns how many."""
    deleted, _ = SpentToken.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
