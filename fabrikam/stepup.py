"""Step-up authentication for the web app, declared on a view: `@require_step_up(TRANSFER)`.

Two kinds, as in Auth0's step-up guide:
- for an API (`TRANSFER`): a new authorization request for `transfer:funds` with MFA and
  `max_age=0`; the elevated access token is kept apart from the sign-in tokens and is
  taken out of the session the moment it is used;
- for the web app only (`STATEMENTS`): the ID token must show MFA (`amr`/`acr`) within a
  window; passing it refreshes the session's ID token claims.

Every step-up callback must come back as the same `sub`, with MFA and a fresh
`auth_time`. A guard stops a second automatic attempt, so a provider that never returns
MFA produces an explanation, not a redirect loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from . import oidc
from .auth_context import has_mfa
from .errors import SignInFailed
from .tokens import TOKENS_KEY

log = logging.getLogger("fabrikam.security")

ELEVATED_KEY = "elevated_token"  # session: the transfer:funds token, apart from sign-in's
GUARD_KEY = "step_up_guard"  # session: when each kind of step-up last started
GUARD_SECONDS = 60
AUTH_TIME_LEEWAY = 60


@dataclass(frozen=True)
class StepUp:
    purpose: str
    scope: str
    max_age: int  # what the authorization request asks for; 0 = authenticate now
    window: Callable[[], int]  # how old the second factor may be when we check it
    acr_values: str = settings.MFA_POLICY


TRANSFER = StepUp(
    purpose="transfer",
    scope="openid transfer:funds",
    max_age=0,
    window=lambda: settings.STEP_UP_MAX_AGE,
)
STATEMENTS = StepUp(
    purpose="statements",
    scope="openid",
    max_age=0,
    window=lambda: settings.WEB_STEP_UP_MAX_AGE,
)
STEP_UPS = {step_up.purpose: step_up for step_up in (TRANSFER, STATEMENTS)}
PASSED_MESSAGES = {
    "transfer": "Second factor confirmed: you can make one transfer.",
    "statements": "Second factor confirmed: your statements are open for a few minutes.",
}


def record_event(request: HttpRequest, outcome: str, detail: str) -> None:
    # The event log lives with transfers; imported late so `fabrikam` stays importable
    # before the apps are.
    from transfers.tokens import stepup_event_record

    stepup_event_record(
        sub=request.user.get_username(),
        outcome=outcome,
        client_id=settings.AUTH0_CLIENT_ID or "",
        detail=detail,
    )


def _fresh(claims: dict[str, Any], window: int) -> bool:
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        return False
    return time.time() - auth_time <= window + AUTH_TIME_LEEWAY


def id_token_satisfies(request: HttpRequest, step_up: StepUp) -> bool:
    """Does the session's current ID token show MFA recently enough (web-only step-up)?"""
    claims = request.session.get(TOKENS_KEY, {}).get("claims", {})
    return has_mfa(claims) and _fresh(claims, step_up.window())


def elevated_token_present(request: HttpRequest) -> bool:
    elevated = request.session.get(ELEVATED_KEY)
    return bool(elevated) and elevated["expires_at"] > time.time() + 5


def elevated_token_take(request: HttpRequest) -> str | None:
    """Remove the elevated token from the session and return it: it is used once, then
    gone whatever the API answers."""
    elevated = request.session.pop(ELEVATED_KEY, None)
    # Saved now, not with the response: Django skips saving the session when the response
    # is a 5xx, which would leave a spent (or half-spent) token behind.
    request.session.save()
    if not elevated or elevated["expires_at"] <= time.time():
        return None
    return elevated["access_token"]


def satisfied(request: HttpRequest, step_up: StepUp) -> bool:
    if step_up is TRANSFER:
        return elevated_token_present(request)
    return id_token_satisfies(request, step_up)


def start(
    request: HttpRequest,
    step_up: StepUp,
    next_url: str,
    *,
    acr_values: str | None = None,
    max_age: int | None = None,
) -> HttpResponse:
    """Send the user to the provider for a second factor, then back to `next_url`."""
    request.session.setdefault(GUARD_KEY, {})[step_up.purpose] = time.time()
    request.session.modified = True
    flow = oidc.Flow(
        purpose=step_up.purpose,
        next_url=oidc.safe_next(request, next_url),
        sub=request.user.get_username(),
        max_age=step_up.max_age if max_age is None else max_age,
        acr_values=acr_values or step_up.acr_values,
    )
    # The provider should re-authenticate the person already signed in, not ask who they are.
    hint = {"login_hint": request.user.email} if request.user.email else {}
    return oidc.start(request, flow=flow, scope=step_up.scope, **hint)


def recently_attempted(request: HttpRequest, step_up: StepUp) -> bool:
    started = request.session.get(GUARD_KEY, {}).get(step_up.purpose)
    return started is not None and time.time() - started < GUARD_SECONDS


def clear_guard(request: HttpRequest, purpose: str) -> None:
    if request.session.get(GUARD_KEY, {}).pop(purpose, None) is not None:
        request.session.modified = True


def complete(request: HttpRequest, flow: oidc.Flow, token: dict[str, Any]) -> HttpResponse:
    """The callback of a step-up: the same person, a second factor, just now."""
    step_up = STEP_UPS.get(flow.purpose)
    claims = token["userinfo"]
    if step_up is None or not request.user.is_authenticated:
        raise SignInFailed("This step-up does not belong to a signed-in session.")
    if claims["sub"] != flow.sub or claims["sub"] != request.user.get_username():
        # Someone completed the second factor as another user: end this session entirely.
        record_event(request, "step_up_refused", f"{flow.purpose}: came back as another user")
        log.warning("security.step_up_wrong_user purpose=%s", flow.purpose)
        logout(request)
        raise SignInFailed(
            "The second factor was completed as a different user, so you have been signed "
            "out. Sign in again as yourself."
        )
    if not has_mfa(claims):
        record_event(
            request, "step_up_refused", f"{flow.purpose}: no second factor in the ID token"
        )
        return _refused(
            request, flow.next_url, "The identity provider did not confirm a second factor."
        )
    if not _fresh(claims, step_up.window()):
        record_event(request, "step_up_refused", f"{flow.purpose}: authentication too old")
        return _refused(
            request, flow.next_url, "The identity provider did not re-authenticate you."
        )

    if step_up is TRANSFER:
        request.session[ELEVATED_KEY] = {
            "access_token": token["access_token"],
            "expires_at": int(token.get("expires_at") or time.time() + token.get("expires_in", 0)),
            "scope": token.get("scope", ""),
            "auth_time": claims["auth_time"],
        }
    else:
        # Web-only step-up: the new ID token's amr/acr/auth_time become the session's.
        tokens = request.session[TOKENS_KEY]
        tokens["claims"].update({k: claims[k] for k in ("amr", "acr", "auth_time") if k in claims})
        tokens["id_token"] = token.get("id_token", tokens.get("id_token"))
        request.session.modified = True
    record_event(request, "step_up_passed", flow.purpose)
    clear_guard(request, step_up.purpose)
    messages.success(request, PASSED_MESSAGES[step_up.purpose])
    return HttpResponseRedirect(flow.next_url)


def cancelled(request: HttpRequest, flow: oidc.Flow) -> HttpResponse:
    """The customer said no at the provider: nothing happens, and trying again later goes
    straight back to the provider (a choice, not a loop)."""
    clear_guard(request, flow.purpose)
    messages.info(request, "You cancelled the verification, so nothing was sent or opened.")
    return HttpResponseRedirect("/")


def _refused(request: HttpRequest, next_url: str, reason: str) -> HttpResponse:
    retry_url = next_url + ("&" if "?" in next_url else "?") + "retry=1"
    return render(
        request, "step_up_refused.html", {"reason": reason, "retry_url": retry_url}, status=403
    )


def _return_path(request: HttpRequest) -> str:
    """Where to come back to: a GET keeps its query (a statement's month), minus `retry`,
    which must never survive a round trip or the loop guard would be bypassed for good."""
    if request.method != "GET":
        return request.path
    query = request.GET.copy()
    query.pop("retry", None)
    return request.path + (f"?{query.urlencode()}" if query else "")


def require_step_up(step_up: StepUp) -> Callable:
    """Run the view only once `step_up` is satisfied; otherwise go through it and return.

    Use under `login_required`. A step-up that was started less than a minute ago and
    still is not satisfied is not started again automatically (the loop guard).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if satisfied(request, step_up):
                return view(request, *args, **kwargs)
            return_to = _return_path(request)
            if recently_attempted(request, step_up) and request.GET.get("retry") != "1":
                return _refused(
                    request,
                    return_to,
                    "Your second factor was not confirmed, so we did not ask again automatically.",
                )
            return start(request, step_up, return_to)

        return wrapper

    return decorator
