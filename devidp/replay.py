"""Single use for JWTs that must work once: client assertions (RFC 7523 section 3, item 7)
and DPoP proofs (RFC 9449 section 11.1), by their `jti`, in a table every worker shares."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import SpentJwtId, digest


def jti_spend(*, kind: str, issuer: str, jti: str, expires_at: datetime) -> bool:
    """Record this `jti` of this issuer as used; False when it was used before.

    Kept until `expires_at`: after that the JWT itself is refused as expired, so the row
    has nothing left to guard and may go.
    """
    now = timezone.now()
    SpentJwtId.objects.filter(expires_at__lte=now).delete()
    try:
        with transaction.atomic():
            SpentJwtId.objects.create(
                kind=kind, key_hash=digest(f"{issuer}\n{jti}"), expires_at=expires_at
            )
    except IntegrityError:
        # The unique constraint decides between two workers given the same JWT at once.
        return False
    return True
