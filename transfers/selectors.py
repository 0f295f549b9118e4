"""Reads of the security event log, always scoped to one subject."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import StepUpEvent

EVENTS_SHOWN = 50


def stepup_event_list(*, sub: str, limit: int = EVENTS_SHOWN) -> QuerySet[StepUpEvent]:
    """The subject's latest sign-ins, step-ups and token verdicts, newest first."""
    return StepUpEvent.objects.filter(sub=sub).order_by("-created_at", "-id")[:limit]
