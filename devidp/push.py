"""Push approval on a paired phone: requests, the phone's signed decision, and the fatigue
rules that keep a flood of prompts from wearing someone into tapping Approve.

A request lives two minutes and is decided once, by a `push-answer+jwt` (`phone.py`) that
signs its id, the decision and, for a step-up, the number the person picked from three.
The browser that asked shows the right number, so approving means reading it there: a
prompt someone else triggered cannot be approved by tapping blindly.

Against push fatigue (CISA's "number matching" advice, and what Guardian does):
- one open request per person and purpose: asking again shows the same one;
- a new prompt for the same purpose at most every `RESEND_AFTER`;
- three declines in a row pause push for that person for `PAUSE_FOR` (the sign-in page
  says until when, and offers the other factors).

Here a phone is woken by its own long poll; a production app is woken by APNs or FCM, as
Guardian is, and everything after the wake-up is the same.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Client, IdpSession, IdpUser, PendingAuthorization, PhoneDevice, PushRequest
from .phone import ANSWER_TYP, DeviceRefused, signed_payload

log = logging.getLogger(__name__)

LIFETIME = timedelta(minutes=2)
RESEND_AFTER = timedelta(seconds=30)
DENIALS_BEFORE_PAUSE = 3
PAUSE_FOR = timedelta(minutes=15)
# RFC 8176: the phone's key is a software key (WebCrypto, non-extractable but not in
# hardware the IdP can attest), `swk`; the approval comes over a second channel, `mca`.
# `mca` is also what keeps it below the phishing-resistant policy (`policy.py`): the
# number can be relayed by a look-alike page, a passkey's origin-bound signature cannot.
AMR = ("swk", "mca")
Decision = PushRequest.Decision


class PushRefused(Exception):
    """A push could not be sent or answered; the message is safe to show."""


class PushPaused(PushRefused):
    def __init__(self, until: datetime) -> None:
        local = timezone.localtime(until)
        super().__init__(
            "Phone approvals are paused until "
            f"{local:%H:%M} because three requests in a row were declined."
        )
        self.until = until


class PushThrottled(PushRefused):
    def __init__(self, wait: int) -> None:
        super().__init__(f"A request was sent a moment ago. You can send another in {wait} s.")
        self.wait = wait


class AlreadyDecided(DeviceRefused):
    """The request was answered already, replaced, or has expired: nothing changed."""

    def __init__(self) -> None:
        super().__init__("This request has expired or was already answered.")


@dataclass(frozen=True)
class Ask:
    """What the phone shows: who asks, for what, from where."""

    client: Client
    asks: list[str]
    payment: str = ""
    binding_message: str = ""
    browser: str = ""


def purpose_key(*, client_id: str, scope: str, details: str = "") -> str:
    """One key per thing asked for: a second ask for the same thing is the same request."""
    return hashlib.sha256(f"{client_id}\n{scope}\n{details}".encode()).hexdigest()


def browser_described(user_agent: str) -> str:
    """ "Chrome on Linux": enough for a person to recognise their own browser, no more."""
    ua = user_agent or ""
    browser = next(
        (name for token, name in _BROWSERS if token in ua),
        "A browser",
    )
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    return f"{browser} on {system}" if system else browser


_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def has_phone(user: IdpUser) -> bool:
    return user.phones.exists()


def paused_until(user: IdpUser, *, now: datetime | None = None) -> datetime | None:
    """When push resumes for this person, if their last three decisions were all declines."""
    now = now or timezone.now()
    last = list(
        PushRequest.objects.filter(user=user, decided_at__isnull=False)
        .order_by("-decided_at")
        .values_list("decision", "decided_at")[:DENIALS_BEFORE_PAUSE]
    )
    if len(last) < DENIALS_BEFORE_PAUSE or any(d != Decision.DENY for d, _ in last):
        return None
    decided_at = last[0][1]
    if decided_at is None:  # the query asked for decided requests only
        return None
    until = decided_at + PAUSE_FOR
    return until if until > now else None


def _open(now: datetime) -> Q:
    return Q(decided_at__isnull=True, superseded_at__isnull=True, expires_at__gt=now)


def _numbers() -> tuple[int, list[int]]:
    rng = secrets.SystemRandom()
    choices = rng.sample(range(10, 100), 3)
    return choices[0], sorted(choices, key=lambda _: rng.random())


def push_send(
    *,
    user: IdpUser,
    ask: Ask,
    key: str,
    session: IdpSession | None = None,
    pending: PendingAuthorization | None = None,
    lifetime: timedelta = LIFETIME,
    resend: bool = False,
) -> PushRequest:
    """Send (or show again) the request for this purpose.

    The open request for the same person and purpose is returned as it is, unless `resend`
    asks for a new prompt, which replaces it, at most every RESEND_AFTER. A step-up
    (`session` given) gets number matching; a CIBA request shows its binding message.
    """
    now = timezone.now()
    if not has_phone(user):
        raise PushRefused("No phone is paired with this account.")
    if until := paused_until(user, now=now):
        raise PushPaused(until)
    current = PushRequest.objects.filter(_open(now), user=user, purpose_key=key).first()
    if current is not None:
        same_asker = current.session_id == (session.pk if session else None) and (
            current.pending_id == (pending.pk if pending else None)
        )
        if same_asker and not resend:
            return current
        age = now - current.created_at
        if age < RESEND_AFTER:
            raise PushThrottled(int((RESEND_AFTER - age).total_seconds()) + 1)
        PushRequest.objects.filter(pk=current.pk, decided_at__isnull=True).update(superseded_at=now)
    number, choices = _numbers() if session is not None else (None, [])
    request = PushRequest.objects.create(
        request_id=secrets.token_urlsafe(16),
        user=user,
        session=session,
        pending=pending,
        client=ask.client,
        purpose_key=key,
        asks=ask.asks,
        payment=ask.payment,
        binding_message=ask.binding_message,
        browser=ask.browser,
        number=number,
        choices=choices,
        created_at=now,
        expires_at=now + lifetime,
    )
    log.info("devidp.push_sent sub=%s request=%s", user.sub, request.request_id)
    return request


def requests_for(device: PhoneDevice) -> QuerySet[PushRequest]:
    """What this phone should show now: its person's open requests, newest first."""
    return PushRequest.objects.filter(_open(timezone.now()), user=device.user).select_related(
        "client"
    )


def push_answer(value: object) -> PushRequest:
    """Record a phone's signed decision: once, before expiry, from one of the person's phones.

    A wrong number ends the request (recorded as a decline): whoever picked it did not
    read it in the browser, which is the one thing number matching asks.
    """
    device, payload = signed_payload(value, typ=ANSWER_TYP)
    request_id, decision, number = (payload.get(k) for k in ("request", "decision", "number"))
    if decision not in Decision.values:
        raise DeviceRefused("The phone's answer is neither approve nor deny.")
    now = timezone.now()
    request = PushRequest.objects.filter(
        request_id=request_id if isinstance(request_id, str) else "", user=device.user
    ).first()
    if request is None:
        raise DeviceRefused("This request is not for this phone.")
    mismatched = (
        decision == Decision.APPROVE and request.number is not None and number != request.number
    )
    # The conditional update is the single-decision guarantee: a replayed answer, or a
    # second phone answering the same request, changes nothing.
    decided = PushRequest.objects.filter(_open(now), pk=request.pk).update(
        decision=Decision.DENY if mismatched else decision,
        decided_at=now,
        mismatched=mismatched,
        device=device,
    )
    if not decided:
        raise AlreadyDecided
    PhoneDevice.objects.filter(pk=device.pk).update(last_used_at=now)
    request.refresh_from_db()
    log.info(
        "devidp.push_answered sub=%s request=%s decision=%s mismatched=%s",
        device.user.sub,
        request.request_id,
        request.decision,
        mismatched,
    )
    if mismatched:
        raise DeviceRefused("That is not the number shown. The request was cancelled.")
    return request


def push_state(request: PushRequest, *, now: datetime | None = None) -> str:
    """pending, approved, declined, mismatched or expired: what the asking page shows."""
    now = now or timezone.now()
    if request.decision == Decision.APPROVE:
        return "approved"
    if request.decision == Decision.DENY:
        return "mismatched" if request.mismatched else "declined"
    if request.superseded_at is not None or request.expires_at <= now:
        return "expired"
    return "pending"


def step_up_request(pending: PendingAuthorization) -> PushRequest | None:
    """The latest push this sign-in sent (it belongs to this IdP session only)."""
    return (
        PushRequest.objects.filter(pending=pending, session=pending.session)
        .select_related("device")
        .first()
    )


def approval_spend(request: PushRequest) -> bool:
    """Spend an approval: once, and only while the request was still within its lifetime."""
    now = timezone.now()
    return bool(
        PushRequest.objects.filter(
            pk=request.pk,
            decision=Decision.APPROVE,
            used_at__isnull=True,
            decided_at__lte=request.expires_at,
        ).update(used_at=now)
    )
