"""The authorization request from arrival to code: validate, apply the policy, ask, issue.

`authorization_respond` runs on the first visit to /authorize and again after every step
(password, payment approval, TOTP) with the stored request, so each step re-checks
everything from scratch.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError
from authlib.oidc.core.errors import InteractionRequiredError, LoginRequiredError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from . import policy, push, sso
from .grants import max_age_parse
from .housekeeping import expired_rows_delete
from .models import Client, IdpSession, PendingAuthorization
from .par import pushed_request_take
from .parameters import parameters_check
from .server import IdpRequest, authorization_server, with_issuer

PENDING_LIFETIME = timedelta(minutes=10)


class PendingNotFound(Exception):
    """The sign-in link is unknown, expired, or belongs to another browser."""


def pending_get(request: HttpRequest, key: str) -> PendingAuthorization:
    session = sso.current_session(request)
    pending = (
        PendingAuthorization.objects.select_related("session__user")
        .filter(key=key, session=session, expires_at__gt=timezone.now())
        .first()
        if session and key
        else None
    )
    if pending is None:
        raise PendingNotFound
    return pending


def pending_signed_in_get(request: HttpRequest, key: str) -> PendingAuthorization:
    """A pending request whose browser has a signed-in person (the steps after a password)."""
    pending = pending_get(request, key)
    if pending.session.user is None:
        raise PendingNotFound
    return pending


def step_url(name: str, pending: PendingAuthorization) -> str:
    return reverse(f"devidp:{name}") + "?" + urlencode({"tx": pending.key})


def error_response(request: HttpRequest, error: OAuth2Error) -> HttpResponse:
    """Errors go back to the client when its redirect URI is trusted, else to our page."""
    if error.redirect_uri:
        return HttpResponseRedirect(with_issuer(error.redirect_uri, error.get_body()))
    return render(
        request,
        "devidp/error.html",
        {"error": error.error, "description": error.get_error_description()},
        status=400,
    )


def authorization_start(request: HttpRequest) -> HttpResponse:
    """A browser arrives at /authorize with the request itself, or with a reference to the
    one its client pushed (RFC 9126 section 4), whose parameters are then the only ones used."""
    query = request.POST if request.method == "POST" else request.GET
    if "request_uri" not in query:
        return authorization_respond(request)
    try:
        params = pushed_request_take(
            client_id=query.get("client_id", ""), request_uri=query["request_uri"]
        )
    except OAuth2Error as error:
        # Without the pushed request no redirect URI is known to be the client's: our page.
        return error_response(request, error)
    return authorization_respond(request, params, pushed=True)


def authorization_respond(
    request: HttpRequest,
    params: dict[str, str] | None = None,
    pending: PendingAuthorization | None = None,
    *,
    pushed: bool = False,
) -> HttpResponse:
    """Answer an authorization request: a code, an error, or the next sign-in step."""
    server = authorization_server()
    oauth_request = server.create_oauth2_request(request, params)
    oauth_request.pushed = pending.pushed if pending else pushed
    session = pending.session if pending else sso.current_session(request)
    user = session.user if session else None
    try:
        parameters_check(oauth_request.payload.datalist)
        grant = server.get_consent_grant(oauth_request, end_user=user)
        data = oauth_request.payload.data
        prompt = data.get("prompt") or ""
        outstanding = policy.outstanding_steps(
            scope=data.get("scope") or "",
            acr_values=data.get("acr_values") or "",
            prompt=prompt,
            max_age=max_age_parse(data.get("max_age")),  # the grant has checked it
            auth_time=session.auth_time if session and user else None,
            password_verified_in_request=bool(pending and pending.password_at),
            second_factor_verified_in_request=bool(pending and pending.mfa_at),
            now=timezone.now(),
            payment=bool(oauth_request.authorization_details),
            approved_in_request=bool(pending and pending.approved_at),
            # The session's second factor is this request's (mfa_at), and its methods say
            # which one it was: a later code in another tab replaces them, and fails closed.
            phishing_resistant_in_request=bool(
                pending and session and pending.mfa_at and policy.phishing_resistant(session.amr)
            ),
        )
        if outstanding.nothing and session is not None:
            return _issue_code(grant, oauth_request, session, pending)
        if "none" in prompt.split():
            # OIDC Core 3.1.2.6: no UI allowed, so say what the UI would have been for.
            error_class = LoginRequiredError if outstanding.password else InteractionRequiredError
            raise error_class(redirect_uri=grant.redirect_uri, state=data.get("state"))
    except OAuth2Error as error:
        error.state = oauth_request.payload.state
        return error_response(request, error)
    return _ask_next_step(oauth_request, session, pending, outstanding)


def _issue_code(
    grant, oauth_request, session: IdpSession, pending: PendingAuthorization | None
) -> HttpResponse:
    oauth_request.sid = session.sid
    oauth_request.auth_time = session.auth_time
    oauth_request.amr = list(session.amr)
    oauth_request.acr = policy.acr_for(session.amr)
    oauth_request.second_factor_in_request = bool(pending and pending.mfa_at)
    oauth_request.approved_in_request = bool(pending and pending.approved_at)
    _status, _body, headers = grant.create_authorization_response(grant.redirect_uri, session.user)
    if pending is not None:
        pending.delete()  # a sign-in link works once
    expired_rows_delete()
    return HttpResponseRedirect(with_issuer(dict(headers)["Location"]))


def _ask_next_step(
    oauth_request: IdpRequest,
    session: IdpSession | None,
    pending: PendingAuthorization | None,
    outstanding: policy.Outstanding,
) -> HttpResponse:
    """Send the browser to the page for the first missing step, bound to this browser.

    The order: who you are (password), what you approve (the payment), then the second
    factor, which confirms that approval: a passkey first for whoever has one (and always
    when the client asks for phishing resistance), then a paired phone (unless push is
    paused after repeated declines), else TOTP. Each page links to the others.
    """
    raw_cookie = None
    if session is None:
        session, raw_cookie = sso.session_start()
    if pending is None:
        pending = PendingAuthorization.objects.create(
            key=secrets.token_urlsafe(24),
            session=session,
            params=dict(oauth_request.payload.data),
            pushed=oauth_request.pushed,
            expires_at=timezone.now() + PENDING_LIFETIME,
        )
    user = session.user  # someone, unless the password is outstanding
    if outstanding.password:
        step = "sign_in"
    elif outstanding.approval:
        step = "approve"
    elif outstanding.phishing_resistant or (user and user.passkeys.exists()):
        step = "passkey"
    elif user and push.has_phone(user) and push.paused_until(user) is None:
        step = "push"
    elif user and user.has_totp:
        step = "totp"
    else:
        step = "totp_enrol"
    response = HttpResponseRedirect(step_url(step, pending))
    if raw_cookie:
        sso.set_cookie(response, raw_cookie)
    return response


def payment_approve(pending: PendingAuthorization) -> None:
    """The person approved the payment: a second factor must now follow, to confirm it.

    A code given before the approval confirmed nothing, so it no longer counts.
    """
    pending.approved_at = timezone.now()
    pending.mfa_at = None
    pending.save(update_fields=["approved_at", "mfa_at"])


def authorization_cancel(
    request: HttpRequest, pending: PendingAuthorization, *, description: str | None = None
) -> HttpResponse:
    """The person gave up (or declined on their phone): tell the client `access_denied`
    (RFC 6749 4.1.2.1), with `description` as its error_description when given."""
    params = pending.params
    pending.delete()
    client = Client.objects.filter(client_id=params.get("client_id")).first()
    redirect_uri = params.get("redirect_uri", "")
    # Registrations can change while someone hesitates: check the URI again.
    trusted = client is not None and client.check_redirect_uri(redirect_uri)
    # No description unless there is one worth showing: the client then uses its own words.
    error = AccessDeniedError(
        description or "", redirect_uri=redirect_uri if trusted else None, state=params.get("state")
    )
    return error_response(request, error)
