"""Single-use transfer tokens: spent in the transfer's own database transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from .models import ConsumedToken, StepUpEvent, Transfer

log = logging.getLogger("fabrikam.security")


def token_use_key(claims: Mapping[str, Any], token_hash: str) -> str:
    """`jti` when the provider sets one; otherwise the token's own SHA-256."""
    jti = claims.get("jti")
    if isinstance(jti, str) and jti:
        return f"jti:{jti}"[:100]
    return f"sha256:{token_hash}"


def token_consume(
    *,
    key: str,
    transfer: Transfer,
    expires_at: int,
    idempotency_key: str,
    fingerprint: str,
    response: tuple[int, dict[str, Any]],
) -> ConsumedToken:
    """Record the token as spent on `transfer`, with the response an exact retry gets.

    Run it inside the transfer's transaction: the unique key raises IntegrityError when
    another request spent the token first, which rolls the transfer back with it.
    """
    status, body = response
    return ConsumedToken.objects.create(
        key=key,
        transfer=transfer,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        response_status=status,
        response_body=body,
        expires_at=datetime.fromtimestamp(expires_at, tz=UTC),
    )


def consumed_token_get(key: str) -> ConsumedToken | None:
    return ConsumedToken.objects.filter(key=key).first()


def consumed_tokens_purge(*, now: datetime | None = None) -> int:
    """Forget spent tokens once they have expired: an expired token is refused anyway."""
    deleted, _ = ConsumedToken.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


def stepup_event_record(*, sub: str, outcome: str, client_id: str = "", detail: str = "") -> None:
    """Append to the security log the Security page shows (never a token, only facts)."""
    StepUpEvent.objects.create(sub=sub, outcome=outcome, client_id=client_id, detail=detail[:255])
    log.info("security.%s sub=%s client=%s %s", outcome, sub, client_id, detail[:120])
