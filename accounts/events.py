"""The security event log: what the web client and the API guard report, as the Security
page shows it. Receivers of their signals are connected in `apps.AccountsConfig.ready`."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from .models import StepUpEvent
from .services import customer_identify

log = logging.getLogger("fabrikam.security")


def stepup_event_record(*, sub: str, outcome: str, client_id: str = "", detail: str = "") -> None:
    """Append to the security log (never a token, only facts).

    Inside the caller's transaction when there is one (a spent token's event commits with
    the transfer, one commit per request); the log line waits for that commit.
    """
    StepUpEvent.objects.create(sub=sub, outcome=outcome, client_id=client_id, detail=detail[:255])
    transaction.on_commit(
        lambda: log.info("security.%s sub=%s client=%s %s", outcome, sub, client_id, detail[:120])
    )


def _token_client(token: Any) -> str:
    return str(token.claims.get("client_id") or token.claims.get("azp") or "")


def on_signed_in(sender: Any, *, request: Any, user: Any, claims: dict, **kwargs: Any) -> None:
    # The ID token's `iss` and `sub` are the key the API uses for the same person.
    customer_identify(
        issuer=str(claims["iss"]),
        sub=str(claims["sub"]),
        name=str(claims.get("name") or "")[:200],
        email=str(claims.get("email") or "")[:254],
    )
    stepup_event_record(
        sub=user.get_username(),
        outcome=StepUpEvent.Outcome.SIGNED_IN,
        client_id=settings.OIDC_CLIENT_ID or "",
        detail="amr=" + ",".join(map(str, claims.get("amr") or [])),
    )


def on_step_up_passed(sender: Any, *, request: Any, step_up: Any, **kwargs: Any) -> None:
    stepup_event_record(
        sub=request.user.get_username(),
        outcome=StepUpEvent.Outcome.STEP_UP_PASSED,
        client_id=settings.OIDC_CLIENT_ID or "",
        detail=step_up.scope or "web",
    )


def on_step_up_refused(
    sender: Any, *, request: Any, step_up: Any, reason: str, **kwargs: Any
) -> None:
    stepup_event_record(
        sub=request.user.get_username(),
        outcome=StepUpEvent.Outcome.STEP_UP_REFUSED,
        client_id=settings.OIDC_CLIENT_ID or "",
        detail=f"{step_up.scope or 'web'}: {reason}",
    )


def on_step_up_declined(
    sender: Any, *, request: Any, step_up: Any, reason: str, **kwargs: Any
) -> None:
    # A "no" is part of the history too: a decline the person did not make is a warning.
    stepup_event_record(
        sub=request.user.get_username(),
        outcome=StepUpEvent.Outcome.DECLINED,
        client_id=settings.OIDC_CLIENT_ID or "",
        detail=f"{step_up.scope or 'web'}: {reason or 'cancelled'}",
    )


def on_token_spent(sender: Any, *, request: Any, token: Any, response: Any, **kwargs: Any) -> None:
    stepup_event_record(
        sub=token.sub,
        outcome=StepUpEvent.Outcome.TOKEN_ACCEPTED,
        client_id=_token_client(token),
        detail=f"{request.method} {request.path} answered {response.status_code}",
    )


def on_token_replayed(sender: Any, *, request: Any, token: Any, **kwargs: Any) -> None:
    stepup_event_record(
        sub=token.sub,
        outcome=StepUpEvent.Outcome.TOKEN_REPLAYED,
        client_id=_token_client(token),
        detail=f"{request.method} {request.path}: token already spent",
    )


def on_step_up_challenged(
    sender: Any, *, request: Any, token: Any, acr_values: str, **kwargs: Any
) -> None:
    stepup_event_record(
        sub=token.sub,
        outcome=StepUpEvent.Outcome.CHALLENGED,
        client_id=_token_client(token),
        detail=f"{request.method} {request.path}: needs {acr_values or 'a second factor'}",
    )
