"""The sign-in policy, in one place: Fabrikam's equivalent of Auth0's step-up Action.

    exports.onExecutePostLogin = async (event, api) => {
      if (event.transaction.requested_scopes.includes("transfer:funds") ||
          event.transaction.acr_values.includes(MFA_POLICY)) {
        api.authentication.challengeWith({ type: "otp" });
      }
    };

A second Action (docs/auth0-actions/authentication-context-claims.js) then names the factor
and its own time in the tokens; here `sso.py` does the same: a step-up token's `auth_time` is
the moment the second factor was verified, never a later password.

A request that carries RFC 9396 `authorization_details` (one payment) goes further, as
Auth0's transactional authorization does: the person sees the payment and approves it, and
only then gives the second factor that confirms it, however recently they gave one.

Plus the OIDC Core rules on re-authentication (`prompt=login`, `max_age`) that Auth0 applies
before any Action runs, and one of our own: a step-up asks for the password again, before
the second factor, once the session last authenticated more than `DEVIDP_REAUTH_AFTER`
seconds ago. Within that, Auth0's behaviour: the Action's challenge asks for the factor only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import conf

# Scopes that can move money: they are only ever granted with a second factor.
SECOND_FACTOR_SCOPES = frozenset({"transfer:funds"})
PASSWORD_ONLY_ACR = "urn:fabrikam:pwd"  # noqa: S105 - an acr value, not a password


@dataclass(frozen=True)
class Outstanding:
    """What the user still has to do before this authorization request gets a code."""

    password: bool
    approval: bool
    second_factor: bool

    @property
    def nothing(self) -> bool:
        return not (self.password or self.approval or self.second_factor)


def second_factor_required(*, scope: str, acr_values: str, payment: bool = False) -> bool:
    """The Action: money-moving scopes, a payment to approve, or a client asking for MFA."""
    return (
        payment
        or bool(SECOND_FACTOR_SCOPES & set(scope.split()))
        or conf.MFA_ACR in acr_values.split()
    )


def outstanding_steps(
    *,
    scope: str,
    acr_values: str,
    prompt: str,
    max_age: int | None,
    auth_time: datetime | None,
    password_verified_in_request: bool,
    second_factor_verified_in_request: bool,
    now: datetime,
    payment: bool = False,
    approved_in_request: bool = False,
) -> Outstanding:
    """Decide which steps this request still needs.

    `auth_time` is when the SSO session last authenticated (None: nobody signed in). A
    factor verified during this very request always counts, which is what stops
    `max_age=0` and `prompt=login` from asking for the password forever. `payment`: the
    request carries `authorization_details`, which the person must approve in this request.
    """
    age = None if auth_time is None else (now - auth_time).total_seconds()
    step_up = second_factor_required(scope=scope, acr_values=acr_values, payment=payment)
    stale = max_age is not None and (age is None or age >= max_age)
    # A step-up on a session left alone for long asks for the password too: the session
    # says little any more about who is at the keyboard. A recent one needs the factor only.
    idle = step_up and age is not None and age >= conf.reauth_after()
    password = not password_verified_in_request and (
        age is None or "login" in prompt.split() or stale or idle
    )
    # A second factor is always fresh: one from earlier in the SSO session does not count.
    second_factor = step_up and not second_factor_verified_in_request
    approval = payment and not approved_in_request
    return Outstanding(password=password, approval=approval, second_factor=second_factor)


def acr_for(amr: list[str]) -> str:
    """The authentication context class this event reached, from its real factors."""
    return conf.MFA_ACR if "mfa" in amr else PASSWORD_ONLY_ACR
