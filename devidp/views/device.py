"""The phone app at `/idp/device/`: its shell (page, manifest, service worker) and the JSON
calls its script makes: pair, list requests (long poll), answer one.

The JSON calls carry no cookie and are not CSRF-protected: each is authorised by what it
carries (a one-time pairing code, or a JWS of the phone's own key), never by ambient
credentials a cross-site page could borrow.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .. import conf, phone, push
from ..models import PushRequest

# The longest a phone's poll is held open: well under any proxy's idle timeout, and short
# enough that a worker is not tied up for long (the demo server is threaded).
LONG_POLL_MAX = 25
LONG_POLL_STEP = 1.0
MAX_BODY = 8192


def _json_body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY:
        raise phone.DeviceRefused("The request is too large.")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise phone.DeviceRefused("The request is not JSON.") from exc
    if not isinstance(body, dict):
        raise phone.DeviceRefused("The request is not a JSON object.")
    return body


def _refused(exc: Exception, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": str(exc)}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def app(request: HttpRequest) -> HttpResponse:
    """The shell: one page; the script decides whether to pair or to wait for requests."""
    return render(
        request, "devidp/device.html", {"wait": min(conf.app_settings.PHONE_WAIT, LONG_POLL_MAX)}
    )


@require_GET
def manifest(_request: HttpRequest) -> HttpResponse:
    start = reverse("devidp:device")
    body = {
        "name": "Fabrikam approvals (demo)",
        "short_name": "Fabrikam",
        "description": "Approve Fabrikam sign-ins and payments on this phone.",
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "background_color": "#eef0f8",
        "theme_color": "#635bff",
        "icons": [
            {"src": static("devidp/phone-icon.svg"), "sizes": "any", "type": "image/svg+xml"}
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


@require_GET
def service_worker(_request: HttpRequest) -> HttpResponse:
    """Served from under /idp/device/ so its scope is the app's, not the whole site's; it
    caches the shell only (never a request or an answer). The shell's file names are put
    in from the static files configuration, so hashed production names work too."""
    path = finders.find("devidp/phone-sw.js")
    if path is None:
        raise Http404
    shell = [
        reverse("devidp:device"),
        static("devidp/phone.js"),
        static("devidp/idp.css"),
        static("devidp/phone.css"),
        static("devidp/phone-icon.svg"),
    ]
    source = Path(path).read_text().replace('["SHELL"]', json.dumps(shell))
    # A new shell (new hashed names in production) is a new cache; the old one is dropped.
    version = hashlib.sha256(json.dumps(shell).encode()).hexdigest()[:12]
    response = HttpResponse(
        source.replace("SHELL_VERSION", json.dumps(version)),
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"  # browsers re-check a worker; make it cheap
    return response


@csrf_exempt  # authorised by the one-time pairing code in the body, not by a cookie
@require_POST
@never_cache
def pair(request: HttpRequest) -> JsonResponse:
    try:
        body = _json_body(request)
        device = phone.device_pair(
            code=body.get("code"), name=body.get("name"), jwk=body.get("jwk")
        )
    except phone.DeviceRefused as exc:
        return _refused(exc)
    return JsonResponse(
        {"device": device.device_id, "name": device.name, "account": device.user.email},
        status=201,
    )


def _shown(request: PushRequest) -> dict:
    return {
        "request": request.request_id,
        "app": request.client.name,
        "asks": request.asks,
        "payment": request.payment,
        "binding_message": request.binding_message,
        "browser": request.browser,
        "created_at": request.created_at.isoformat(),
        "expires_at": request.expires_at.isoformat(),
        "choices": request.choices,
    }


@require_GET
@never_cache
def requests(request: HttpRequest) -> JsonResponse:
    """The phone's open requests. `?wait=N` holds the answer up to N seconds (at most
    LONG_POLL_MAX) until there is one: a long poll, in place of a push service."""
    scheme, _, assertion = request.headers.get("Authorization", "").partition(" ")
    try:
        if scheme != "Device":
            raise phone.DeviceRefused("The phone's signature is missing.")
        device = phone.poll_authenticate(assertion)
    except phone.DeviceRefused as exc:
        return _refused(exc, status=401)
    wait = request.GET.get("wait", "0")
    deadline = time.monotonic() + (min(int(wait), LONG_POLL_MAX) if wait.isdigit() else 0)
    while True:
        pending = [_shown(r) for r in push.requests_for(device)]
        if pending or time.monotonic() >= deadline:
            break
        time.sleep(LONG_POLL_STEP)
    return JsonResponse(
        {"device": {"name": device.name}, "account": device.user.email, "requests": pending}
    )


@csrf_exempt  # authorised by the phone's signature over the decision, not by a cookie
@require_POST
@never_cache
def answer(request: HttpRequest) -> JsonResponse:
    try:
        decided = push.push_answer(_json_body(request).get("answer"))
    except push.AlreadyDecided as exc:
        return _refused(exc, status=409)
    except phone.DeviceRefused as exc:
        return _refused(exc)
    return JsonResponse({"state": push.push_state(decided)})
