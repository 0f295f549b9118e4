"""The IdP's own browser session (SSO), behind its own cookie.

It never touches the Django session the bank site uses: a real IdP lives on another origin,
and keeping the two apart here is what makes "delete the app" safe.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import conf
from .models import IdpSession, IdpUser, digest

SESSION_LIFETIME = timedelta(hours=12)
FIRST_FACTOR_METHODS = frozenset({"pwd"})


def current_session(request: HttpRequest) -> IdpSession | None:
    raw = request.COOKIES.get(conf.app_settings.SESSION_COOKIE_NAME)
    if not raw:
        return None
    return (
        IdpSession.objects.select_related("user")
        .filter(key_hash=digest(raw), ended_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def session_start(
    *, user: IdpUser | None = None, now: datetime | None = None
) -> tuple[IdpSession, str]:
    """A new session and the raw cookie value for it (only its hash is stored)."""
    now = now or timezone.now()
    raw = secrets.token_urlsafe(32)
    session = IdpSession.objects.create(
        key_hash=digest(raw),
        sid=secrets.token_urlsafe(16),
        user=user,
        auth_time=now if user else None,
        amr=["pwd"] if user else [],
        expires_at=now + SESSION_LIFETIME,
    )
    return session, raw


def session_sign_in(*, previous: IdpSession | None, user: IdpUser) -> tuple[IdpSession, str]:
    """A password succeeded: a new authentication event, behind a new cookie value.

    The cookie value changes on every sign-in so a value planted before it (session
    fixation) is worthless afterwards. The same person signing in again in this browser
    (a step-up on an old session, `prompt=login`, `max_age`) keeps the session and its
    `sid`: clients hold ID tokens that name it, and RP-initiated logout recognises this
    browser's session by it. Anyone else gets a new session.
    """
    if previous is not None and previous.user_id == user.pk:
        raw = secrets.token_urlsafe(32)
        now = timezone.now()
        renewed = IdpSession.objects.filter(pk=previous.pk, ended_at__isnull=True).update(
            key_hash=digest(raw), auth_time=now, amr=["pwd"], expires_at=now + SESSION_LIFETIME
        )
        if renewed:  # else it was signed out meanwhile (another tab): start afresh
            previous.refresh_from_db()
            return previous, raw
    elif previous is not None:
        session_end(previous)
    return session_start(user=user)


def session_add_second_factor(session: IdpSession, methods: Sequence[str] = ("otp",)) -> None:
    """A second factor passed: its RFC 8176 `methods` replace the previous one's, then `mfa`.

    TOTP is `otp`; a passkey is `hwk` or `swk` plus `user` (see `passkeys.amr_for`). Only
    the first factor (`pwd`) stays, so the session never claims a passkey after a code.
    """
    first_factors = [method for method in session.amr if method in FIRST_FACTOR_METHODS]
    session.amr = [*first_factors, *methods, "mfa"]
    session.auth_time = timezone.now()
    session.save(update_fields=["amr", "auth_time"])


def session_end(session: IdpSession) -> None:
    IdpSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=timezone.now())


def _cookie_path() -> str:
    return urlsplit(conf.app_settings.ISSUER).path.rstrip("/") + "/"


def set_cookie(response: HttpResponse, raw: str) -> None:
    response.set_cookie(
        conf.app_settings.SESSION_COOKIE_NAME,
        raw,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=_cookie_path(),
        secure=conf.app_settings.ISSUER.startswith("https://"),
        httponly=True,
        # Lax: the cookie rides along when a client sends the browser to /authorize.
        samesite="Lax",
    )


def delete_cookie(response: HttpResponse) -> None:
    response.delete_cookie(
        conf.app_settings.SESSION_COOKIE_NAME, path=_cookie_path(), samesite="Lax"
    )
