"""Verifying what a person presents: a password, a TOTP code; and creating new users.

Every check is rate-limited per account and per client IP (sign-ups per client IP), and
failures raise `AuthenticationFailed` with a message that is safe to show.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import time
from datetime import timedelta

import pyotp
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import ratelimit
from .models import IdpUser

SUB_PREFIX = "devidp|"
TOTP_INTERVAL = 30  # seconds per code: RFC 6238's default, which authenticator apps assume
log = logging.getLogger(__name__)


class AuthenticationFailed(Exception):
    """A factor was wrong, replayed or rate-limited; the message is shown to the person.

    `attempts_left`: how many more tries the rate limits allow before they refuse even a
    right answer (None when the attempt was refused before being evaluated)."""

    def __init__(self, message: str, *, attempts_left: int | None = None) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class CodeAlreadyUsed(AuthenticationFailed):
    """A right code whose time step was already spent: no failure, so nothing is counted
    (`attempts_left` is None); the message says when the next code is due."""

    def __init__(self, *, next_in: int) -> None:
        if next_in <= 0:
            wait = "Your app already shows a new code: enter that one."
        else:
            wait = f"Your app shows a new one in about {next_in} seconds: enter that one."
        super().__init__(f"That code has already been used. {wait}")
        self.next_in = next_in


class SignUpRefused(Exception):
    """No account was created; the message does not say whether the address has one."""

    def __init__(self) -> None:
        super().__init__(
            "We could not create an account with these details. If you already have one, sign in."
        )


def password_authenticate(*, email: str, password: str, ip: str) -> IdpUser:
    email = email.strip().lower()
    attempt = _attempt_start("password", account=email, ip=ip)
    user = IdpUser.objects.filter(email=email, is_active=True).first()
    if user is None:
        # Hash anyway, so an unknown address takes as long as a wrong password.
        make_password(password)
    elif user.check_password(password):
        ratelimit.attempt_succeeded(attempt)
        log.info("devidp.password_ok sub=%s", user.sub)
        return user
    log.info("devidp.password_failed ip=%s", ip)
    raise AuthenticationFailed(
        "That email and password do not match an account.", attempts_left=attempt.attempts_left
    )


def _attempt_start(kind: str, *, account: str, ip: str) -> ratelimit.Attempt:
    """Reserve the attempt before the costly check, so concurrent guesses cannot overtake it."""
    try:
        return ratelimit.attempt_start(kind, account=account, ip=ip)
    except ratelimit.RateLimited as exc:
        log.warning("devidp.rate_limited factor=%s ip=%s", kind, ip)
        raise AuthenticationFailed(
            f"Too many failed attempts. For your security, wait {exc.wait} and try again."
        ) from exc


def _matching_step(secret: str, code: str, *, now: float) -> int | None:
    """The time-step whose code matches, allowing one step of clock drift either way."""
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL)
    code = code.strip().replace(" ", "")
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


def _next_code_in(user: IdpUser, *, now: float) -> int:
    """Seconds until the first time step after the last one spent begins (0: it has)."""
    user.refresh_from_db(fields=["totp_last_step"])
    return max(0, math.ceil(((user.totp_last_step or 0) + 1) * TOTP_INTERVAL - now))


def _spend_step(user: IdpUser, step: int) -> bool:
    # One conditional UPDATE: two concurrent requests with the same code cannot both win.
    return bool(
        IdpUser.objects.filter(pk=user.pk)
        .filter(Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step))
        .update(totp_last_step=step)
    )


def totp_verify(*, user: IdpUser, code: str, ip: str, secret: str | None = None) -> None:
    """Accept a code once. `secret` is a not-yet-saved one, during enrolment."""
    if not (secret or user.totp_secret):
        # Someone with only a passkey (or nothing yet): no code can be right, and pyotp
        # would fail on the empty secret.
        raise AuthenticationFailed(
            "This account has no authenticator app set up: use a passkey instead."
        )
    attempt = _attempt_start("totp", account=user.email, ip=ip)
    now = time.time()
    step = _matching_step(secret or user.totp_secret, code, now=now)
    if step is None:
        raise AuthenticationFailed(
            "That code is not right. Check your authenticator app.",
            attempts_left=attempt.attempts_left,
        )
    if not _spend_step(user, step):
        # A right code typed twice in its 30 seconds (an approval right after a step-up) is
        # not a guess: it counts for nothing. It still never passes, and is still logged.
        log.warning("devidp.totp_replayed sub=%s ip=%s", user.sub, ip)
        ratelimit.attempt_released(attempt)
        raise CodeAlreadyUsed(next_in=_next_code_in(user, now=now))
    ratelimit.attempt_succeeded(attempt)


def totp_enrol(*, user: IdpUser, secret: str, code: str, ip: str) -> None:
    """Save a new authenticator once the person proves it works with a first code."""
    totp_verify(user=user, code=code, ip=ip, secret=secret)
    user.totp_secret = secret
    user.totp_pending_secret, user.totp_pending_at = "", None
    user.save(update_fields=["totp_secret", "totp_pending_secret", "totp_pending_at"])


def totp_pending_secret(*, user: IdpUser, max_age: int) -> str:
    """The secret to show on the enrolment page: the same one until it is enrolled or expires.

    A new secret on every visit would silently invalidate the key a person has already added
    to their app after a reload or a trip back from another tab. It expires after `max_age`
    seconds, like the signed copy the form posts back, so a forgotten one is not kept forever.
    """
    now = timezone.now()
    fresh = user.totp_pending_at and now - user.totp_pending_at < timedelta(seconds=max_age)
    if user.totp_pending_secret and fresh:
        return user.totp_pending_secret
    user.totp_pending_secret, user.totp_pending_at = pyotp.random_base32(), now
    user.save(update_fields=["totp_pending_secret", "totp_pending_at"])
    return user.totp_pending_secret


def totp_provisioning_uri(*, user: IdpUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Fabrikam (demo)")


def user_sign_up(*, email: str, name: str, password: str, ip: str) -> IdpUser:
    """Create a user with a fresh, opaque subject.

    Raises ValidationError (field errors), ratelimit.RateLimited, or SignUpRefused. The order
    keeps sign-up from telling strangers who has an account: the password rules come first
    (they are the same for every address), then the per-IP throttle, and only then the check
    for an existing account, whose refusal is one generic message. A refusal still hints
    that an address is taken; a real IdP would answer every sign-up with "check your email",
    which needs email verification this demo does not have, so the throttle bounds probing.
    """
    email = email.strip().lower()
    user = IdpUser(email=email, name=name.strip(), sub=SUB_PREFIX + secrets.token_hex(12))
    try:
        # The validators read the user's attributes (email, name), which IdpUser has; the
        # stubs type the argument as the host's AUTH_USER_MODEL, which it is not.
        validate_password(password, user)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    ratelimit.attempt_start("signup", ip=ip)
    if IdpUser.objects.filter(email=email).exists():
        log.info("devidp.sign_up_refused ip=%s", ip)
        raise SignUpRefused
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same address signed up a moment ago
        raise SignUpRefused from exc
    log.info("devidp.signed_up sub=%s", user.sub)
    return user
