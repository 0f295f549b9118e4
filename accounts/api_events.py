"""`GET /api/security-events`: the caller's own sign-in and step-up history, as JSON.

The web app's Security page reads it here rather than from the table, like any client.
"""

from __future__ import annotations

from django.http import JsonResponse

from api_auth.decorators import TokenRequest, token_required
from api_auth.introspection import introspected
from api_auth.problems import api_view

from .selectors import stepup_event_list


@api_view("GET")
@token_required("read:accounts")
@introspected
def security_events(request: TokenRequest) -> JsonResponse:
    # Scoped by the token's subject, the same key the web app and the API log under.
    events = stepup_event_list(sub=request.token.sub)
    return JsonResponse(
        {
            "events": [
                {
                    "outcome": event.outcome,
                    "label": event.get_outcome_display(),
                    "detail": event.detail,
                    "client_id": event.client_id,
                    "created_at": event.created_at.isoformat(),
                }
                for event in events
            ]
        }
    )
