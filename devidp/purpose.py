"""What the sign-in pages tell a person: which application asks, for what, and why now.

Auth0's Universal Login names the application, and its consent and step-up screens show
the description the API gives each scope; these are Fabrikam's. A step-up says why a
second factor is needed before asking for one, and never offers to sign up.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import policy, ratelimit
from .factors import AuthenticationFailed
from .models import Client, PendingAuthorization
from .seed import DEMO_USERS

# Worded to follow "<application> asks permission to: ...". openid needs no sentence.
SCOPE_DESCRIPTIONS = {
    "profile": "see your name",
    "email": "see your email address",
    "read:accounts": "see your accounts, balances and history",
    "transfer:funds": "transfer funds, once",
}
MONEY_SCOPES = policy.SECOND_FACTOR_SCOPES
# OpenID Connect for Identity Assurance 1.0: a client's `purpose` is 3 to 300 characters.
PURPOSE_LENGTH = range(3, 301)
DEMO_SUBS = frozenset(sub for _email, sub, _name, _secret in DEMO_USERS)


@dataclass(frozen=True)
class Purpose:
    app: str  # the client's name, as registered
    asks: tuple[str, ...]  # what the scopes allow, in the order they were asked for
    step_up: bool  # this request needs a second factor
    reason: str  # why now, in one sentence ("" for a plain sign-in)
    returning: bool  # someone is signed in here already: "Confirm it's you", not "Sign in"
    demo_user: bool  # one of the seeded demo users, whose codes `make totp` prints


def purpose_of(pending: PendingAuthorization) -> Purpose:
    params = pending.params
    client = Client.objects.filter(client_id=params.get("client_id", "")).first()
    scopes = (params.get("scope") or "").split()
    step_up = policy.second_factor_required(
        scope=params.get("scope") or "", acr_values=params.get("acr_values") or ""
    )
    asked = str(params.get("purpose") or "").strip()
    if step_up and len(asked) in PURPOSE_LENGTH:
        # The client's own reason (the template escapes it, under the client's name); one
        # out of range is ignored rather than refused: it only words the page.
        reason = asked
    elif MONEY_SCOPES & set(scopes):
        reason = "Moving money needs a fresh second factor."
    elif step_up:
        reason = "A sensitive page or action needs a fresh second factor."
    else:
        reason = ""
    user = pending.session.user
    return Purpose(
        app=client.name if client else "An application",
        asks=tuple(SCOPE_DESCRIPTIONS[s] for s in scopes if s in SCOPE_DESCRIPTIONS),
        step_up=step_up,
        reason=reason,
        returning=user is not None,
        demo_user=user is not None and user.sub in DEMO_SUBS,
    )


def failure_message(failed: AuthenticationFailed) -> str:
    """The refusal, and how many tries are left before the rate limit refuses even a right
    answer, so nobody walks into a lock-out unwarned."""
    left = failed.attempts_left
    if left is None:
        return str(failed)
    minutes = ratelimit.WINDOW_SECONDS // 60
    if left == 0:
        return f"{failed} No attempts left: sign-in is paused for up to {minutes} minutes."
    attempts = "1 attempt" if left == 1 else f"{left} attempts"
    return f"{failed} {attempts} left before sign-in is paused for {minutes} minutes."
