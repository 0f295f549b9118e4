"""The pages that teach the flow: Security (what this session holds) and How it works."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import api_client
from oidc_client import profile

from . import flow as flow_guide
from .session_facts import session_facts


@login_required
@never_cache
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    # The event log is the API's, read like any client would: only this caller's events.
    events = api_client.get_json(request, "security-events", "SecurityEventList")["events"]
    for event in events:
        event["when"] = parse_datetime(event["created_at"])
    return render(
        request, "guide/security.html", {"facts": session_facts(request), "events": events}
    )


@require_GET
def how_it_works(request: HttpRequest) -> HttpResponse:
    position = session_facts(request).position
    return render(
        request,
        "guide/how_it_works.html",
        {
            "position": position,
            "fapi2": profile.is_fapi2(),
            "position_text": flow_guide.POSITION_TEXT[position],
            "steps": flow_guide.drawn_steps(position),
            "lanes": flow_guide.lanes(),
            "width": flow_guide.WIDTH,
            "height": flow_guide.diagram_height(),
        },
    )
