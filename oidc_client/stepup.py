"""Step-up authentication, declared on the view that needs it:

    @login_required
    @step_up_required(kind="api", scope="transfer:funds")
    def transfer_new(request): ...

    @login_required
    @step_up_required(kind="web")
    def statement(request, number): ...

    @login_required
    @step_up_required(kind="api", scope="payments:write", authorization_details=approval_of)
    def pay(request, invoice): ...  # approval_of(request, invoice) -> [{"type": ...}] or None

Two kinds, as in Auth0's step-up guides:
- `api`: a new authorization request for `scope` with MFA (`acr_values`) and `max_age`;
  the elevated access token is kept apart from the sign-in tokens and taken out of the
  session the moment it is used (`session.elevated_token_take`);
- `web`: the session's ID token must show MFA (`amr`/`acr`) within a window.

Passing either kind refreshes the session's ID token claims (`amr`, `acr`, `auth_time`), so
a web-only step-up accepts the second factor an API step-up has just collected.

Every step-up callback must come back as the same `sub`, with MFA and a fresh
`auth_time`. A guard stops a second automatic attempt, so a provider that never returns
MFA produces an explanation, not a redirect loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any, Literal
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.debug import sensitive_variables

from . import provider, session
from .claims import authenticated_within, has_mfa
from .conf import app_settings
from .errors import SignInFailed
from .signals import step_up_declined, step_up_passed, step_up_refused

log = logging.getLogger("oidc_client")

GUARD_KEY = "oidc_step_up_guard"  # session: when each step-up last started
GUARD_SECONDS = 60
CAME_FROM_KEY = "oidc_step_up_came_from"  # session: the page a step-up was started from


@dataclass(frozen=True)
class StepUp:
    """What a view needs: a fresh second factor, and for `api` an elevated token for `scope`."""

    kind: Literal["api", "web"] = "api"
    scope: str = ""  # api: the scope of the elevated access token, e.g. "transfer:funds"
    acr: str | None = None  # asked for and required; default OIDC_MFA_ACR
    # Sent as max_age. None (the default, as docs/copying.md recommends): not sent, so the
    # provider's policy decides what to ask for (Auth0: the second factor, and the password
    # only on an old session); the callback still insists on a second factor within `within`
    # seconds. 0: authenticate again now, password included (OIDC Core 3.1.2.1).
    max_age: int | None = None
    within: int | None = None  # how old the factor may be; default from the settings
    message: str = "Second factor confirmed."  # shown once it passed; "" for none
    # Why the provider is asked, in the person's words, sent as `purpose` (OpenID Connect
    # for Identity Assurance 1.0, 3 to 300 characters). A provider that does not know the
    # parameter ignores it (RFC 6749 §3.1); "" sends none and the provider words it.
    purpose: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.scope}"

    def acr_value(self) -> str:
        return self.acr or app_settings.MFA_ACR

    def window(self) -> int:
        if self.within is not None:
            return self.within
        if self.kind == "api":
            return app_settings.STEP_UP_MAX_AGE
        return app_settings.WEB_STEP_UP_MAX_AGE

    def request_scope(self) -> str:
        # openid: the ID token is what shows who came back, and how they authenticated.
        return " ".join(dict.fromkeys(["openid", *self.scope.split()]))


def _fresh_mfa(claims: dict[str, Any], step_up: StepUp) -> tuple[bool, bool]:
    """(has MFA, recently enough) for the step-up's acr and window."""
    mfa = has_mfa(claims, mfa_acr=step_up.acr_value())
    fresh = authenticated_within(claims, max_age=step_up.window(), leeway=app_settings.LEEWAY)
    return mfa, fresh


def satisfied(
    request: HttpRequest,
    step_up: StepUp,
    *,
    authorization_details: list[dict[str, Any]] | None = None,
) -> bool:
    """Whether the session holds what the view needs; with `authorization_details`, an
    elevated token granted for exactly those details (any other approval does not count)."""
    if step_up.kind == "api":
        held = session.elevated_info(request, step_up.scope)
        if held is None:
            return False
        return authorization_details is None or (
            held.get("authorization_details") == authorization_details
        )
    return all(_fresh_mfa(session.id_claims(request), step_up))


def start(
    request: HttpRequest,
    step_up: StepUp,
    next_url: str,
    *,
    acr_values: str | None = None,
    max_age: int | None = None,
    authorization_details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    """Send the user to the provider for a second factor, then back to `next_url`.

    `acr_values` and `max_age` override the step-up's own, e.g. from an API's RFC 9470
    challenge. `authorization_details` (RFC 9396, pushed with RFC 9126) asks the user to
    approve exactly that transaction; the provider must support both, or
    `ApprovalUnsupported` is raised before anything is sent."""
    request.session.setdefault(GUARD_KEY, {})[step_up.key] = time.time()
    request.session.setdefault(CAME_FROM_KEY, {})[step_up.key] = _came_from(request)
    request.session.modified = True
    flow = provider.Flow(
        purpose="step_up",
        next_url=provider.safe_next(request, next_url),
        sub=request.user.get_username(),
        max_age=step_up.max_age if max_age is None else max_age,
        acr_values=acr_values or step_up.acr_value(),
        step_up=asdict(step_up),
        authorization_details=authorization_details,
    )
    # The provider should re-authenticate the person already signed in, not ask who they are.
    email = getattr(request.user, "email", "")
    hint = {"login_hint": email} if email else {}
    if step_up.purpose:
        hint["purpose"] = step_up.purpose
    return provider.start(request, flow=flow, scope=step_up.request_scope(), **hint)


def _came_from(request: HttpRequest) -> str:
    """The page of this site the person was on (Referer), for a cancel to return to; "/"
    when unknown or another site's."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc != request.get_host():
        return "/"
    return provider.safe_next(
        request, referer.path + (f"?{referer.query}" if referer.query else "")
    )


def recently_attempted(request: HttpRequest, step_up: StepUp) -> bool:
    started = request.session.get(GUARD_KEY, {}).get(step_up.key)
    return started is not None and time.time() - started < GUARD_SECONDS


def clear_guard(request: HttpRequest, step_up: StepUp) -> None:
    if request.session.get(GUARD_KEY, {}).pop(step_up.key, None) is not None:
        request.session.modified = True


@sensitive_variables("token")
def complete(request: HttpRequest, flow: provider.Flow, token: dict[str, Any]) -> HttpResponse:
    """The callback of a step-up: the same person, a second factor, just now."""
    claims = token["userinfo"]
    if flow.step_up is None or not request.user.is_authenticated:
        raise SignInFailed("This step-up does not belong to a signed-in session.")
    step_up = StepUp(**flow.step_up)
    if claims["sub"] != flow.sub or claims["sub"] != request.user.get_username():
        # Someone completed the second factor as another user: end this session entirely.
        step_up_refused.send(
            None, request=request, step_up=step_up, reason="came back as another user"
        )
        log.warning("security.step_up_wrong_user step_up=%s", step_up.key)
        logout(request)
        raise SignInFailed(
            "The second factor was completed as a different user, so you have been signed "
            "out. Sign in again as yourself."
        )
    mfa, fresh = _fresh_mfa(claims, step_up)
    if not mfa:
        step_up_refused.send(
            None, request=request, step_up=step_up, reason="no second factor in the ID token"
        )
        return refused(
            request, flow.next_url, "The identity provider did not confirm a second factor."
        )
    if not fresh:
        step_up_refused.send(
            None, request=request, step_up=step_up, reason="authentication too old"
        )
        return refused(request, flow.next_url, "The identity provider did not re-authenticate you.")

    if step_up.kind == "api":
        session.elevated_store(request, step_up.scope, token, flow.authorization_details)
    # Either kind: the session now shows this second factor, for web-only step-ups too.
    session.id_claims_update(request, token)
    step_up_passed.send(None, request=request, step_up=step_up, claims=claims)
    clear_guard(request, step_up)
    if step_up.message:
        messages.success(request, step_up.message)
    return HttpResponseRedirect(flow.next_url)


def cancelled(request: HttpRequest, flow: provider.Flow, *, reason: str = "") -> HttpResponse:
    """The user said no at the provider: nothing happens, and trying again later goes
    straight back to the provider (a choice, not a loop). `reason` is the provider's own
    word for it, such as "You declined on your phone."."""
    came_from = "/"
    if flow.step_up is not None:
        step_up = StepUp(**flow.step_up)
        step_up_declined.send(None, request=request, step_up=step_up, reason=reason)
        clear_guard(request, step_up)
        came_from = request.session.get(CAME_FROM_KEY, {}).pop(step_up.key, "/")
        request.session.modified = True
    if flow.authorization_details is not None:
        # Declining one transaction leaves it where it was, unsent.
        said = reason or "You declined the approval."
        messages.info(request, f"{said.rstrip('.')}, so nothing was sent.")
        return HttpResponseRedirect(flow.next_url)
    if reason:
        messages.info(request, f"{reason.rstrip('.')}, so nothing was sent or opened.")
        return HttpResponseRedirect("/")
    messages.info(request, "You cancelled the verification, so nothing was sent or opened.")
    # Back where they were, never to the page that asked (it would only ask again).
    return HttpResponseRedirect("/" if came_from == flow.next_url else came_from)


def refused(request: HttpRequest, next_url: str, reason: str) -> HttpResponse:
    """Explain why the step-up did not pass, with a way to try again on purpose."""
    retry_url = next_url + ("&" if "?" in next_url else "?") + "retry=1"
    return render(
        request,
        "oidc_client/step_up_refused.html",
        {"reason": reason, "retry_url": retry_url, "base_template": app_settings.BASE_TEMPLATE},
        status=403,
    )


def _return_path(request: HttpRequest) -> str:
    """Where to come back to: a GET keeps its query (a statement's month), minus `retry`,
    which must never survive a round trip or the loop guard would be bypassed for good."""
    if request.method != "GET":
        return request.path
    query = request.GET.copy()
    query.pop("retry", None)
    return request.path + (f"?{query.urlencode()}" if query else "")


View = Callable[..., HttpResponse]
Details = Callable[..., list[dict[str, Any]] | None]


def step_up_required(
    step_up: StepUp | None = None,
    *,
    authorization_details: Details | None = None,
    **fields: Any,
) -> Callable[[View], View]:
    """Run the view only once the step-up is satisfied; otherwise go through it and return.

    Pass a `StepUp`, or its fields as keywords. Use under `login_required`. A step-up that
    was started less than a minute ago and still is not satisfied is not started again
    automatically (the loop guard); the wrapped view carries it as `view.step_up`.

    `authorization_details` (api kind): called with the view's arguments, it returns the
    RFC 9396 details this request must be approved for (or None: a plain step-up). Only a
    token granted for exactly those details satisfies the view; the provider is asked to
    show and approve them (pushed with RFC 9126, or `ApprovalUnsupported`).
    """
    step_up = step_up or StepUp(**fields)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            details = (
                authorization_details(request, *args, **kwargs) if authorization_details else None
            )
            if satisfied(request, step_up, authorization_details=details):
                return view(request, *args, **kwargs)
            return_to = _return_path(request)
            if recently_attempted(request, step_up) and request.GET.get("retry") != "1":
                return refused(
                    request,
                    return_to,
                    "Your second factor was not confirmed, so we did not ask again automatically.",
                )
            return start(request, step_up, return_to, authorization_details=details)

        wrapper.step_up = step_up  # type: ignore[attr-defined]
        return wrapper

    return decorator
