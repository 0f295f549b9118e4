"""Forget rows that can no longer matter, so a long-running demo does not grow forever."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from . import keys
from .models import (
    AttemptCounter,
    AuthorizationCode,
    BackchannelRequest,
    IdpSession,
    IssuedToken,
    PairingCode,
    PendingAuthorization,
    PushedAuthorizationRequest,
    PushRequest,
)


def expired_rows_delete() -> None:
    now = timezone.now()
    # A code is kept until every token it could have produced has expired: until then a
    # replay must still find it, to revoke those tokens.
    AuthorizationCode.objects.filter(expires_at__lt=now - keys.ACCESS_TOKEN_LIFETIME).delete()
    IssuedToken.objects.filter(expires_at__lt=now).delete()
    PendingAuthorization.objects.filter(expires_at__lt=now).delete()
    PushedAuthorizationRequest.objects.filter(expires_at__lt=now).delete()
    IdpSession.objects.filter(expires_at__lt=now).delete()
    PairingCode.objects.filter(expires_at__lt=now).delete()
    BackchannelRequest.objects.filter(expires_at__lt=now).delete()
    # Push requests count towards the pause after three declines (15 minutes): a day old,
    # they can no longer pause anyone.
    PushRequest.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    # Rate-limit windows last an hour at most; a day-old counter can no longer refuse anyone.
    AttemptCounter.objects.filter(window_start__lt=now - timedelta(days=1)).delete()
