"""What this browser session holds, decoded for people: claims, scopes, ages, never tokens.

Only facts are copied out of the session, so a template handed `SessionFacts` cannot print
a token even by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts.views import STATEMENTS_STEP_UP
from oidc_client import dpop, stepup
from oidc_client.claims import has_mfa
from oidc_client.conf import MFA_ACR, PHISHING_RESISTANT_ACR
from oidc_client.session import elevated_info, sign_in_tokens
from transfers.client import TRANSFER_STEP_UP


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _when(timestamp: Any) -> datetime | None:
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        return datetime.fromtimestamp(timestamp, tz=UTC)
    return None


def factor_used(amr: list[str], acr: str) -> str:
    """Which second factor an authentication event used, in words (RFC 8176 `amr`)."""
    if "mca" in amr:  # a key on a second channel: a paired phone, not a passkey
        return "approval on your paired phone (push with number matching)"
    if acr == PHISHING_RESISTANT_ACR or {"hwk", "swk"} & set(amr):
        return "a passkey (phishing-resistant)"
    if "otp" in amr:
        return "a one-time code from an authenticator app"
    if "mfa" in amr or acr == MFA_ACR:
        return "a second factor"
    return ""


@dataclass(frozen=True)
class ElevatedFacts:
    scopes: list[str]
    expires_at: datetime | None
    authenticated_at: datetime | None
    # RFC 9396: the one payment this token approves, decoded (never the token itself).
    authorization_details: list[dict[str, Any]] = field(default_factory=list)
    # How the person authenticated for it (the step-up's ID token): RFC 8176 `amr`, `acr`.
    amr: list[str] = field(default_factory=list)
    acr: str = ""
    bound_to: str = ""  # the decoded `cnf.jkt` of a DPoP-bound token, "" for a bearer one
    device: str = ""  # the name of the phone that approved (the ID token's `device_name`)

    @property
    def factor(self) -> str:
        return factor_used(self.amr, self.acr)


@dataclass(frozen=True)
class SessionFacts:
    signed_in: bool
    sub: str = ""
    name: str = ""
    email: str = ""
    amr: list[str] = field(default_factory=list)
    acr: str = ""
    authenticated_at: datetime | None = None
    issued_at: datetime | None = None
    id_token_expires_at: datetime | None = None
    mfa: bool = False
    statements_open: bool = False  # the web-only step-up is satisfied right now
    statements_until: datetime | None = None
    access_scopes: list[str] = field(default_factory=list)
    access_expires_at: datetime | None = None
    has_id_token: bool = False
    elevated: ElevatedFacts | None = None
    idp_account_url: str | None = None  # where passkeys are managed, when the IdP has a page
    # RFC 9449: the sign-in access token's `cnf.jkt`, and the thumbprint of this session's
    # own DPoP key, so the page can say the two match ("" when the tokens are bearer ones).
    bound_to: str = ""
    session_key: str = ""

    @property
    def position(self) -> str:
        """Where this session is in the flow, for the How it works page."""
        if not self.signed_in:
            return "signed_out"
        if self.elevated:
            return "approved" if self.elevated.authorization_details else "elevated"
        if self.statements_open:
            return "web_step_up"
        return "signed_in"


def session_facts(request: HttpRequest) -> SessionFacts:
    if not request.user.is_authenticated:
        return SessionFacts(signed_in=False)
    tokens = sign_in_tokens(request)
    claims = tokens.get("claims", {})
    auth_time = _when(claims.get("auth_time"))
    statements_open = stepup.satisfied(request, STATEMENTS_STEP_UP)
    elevated = None
    if held := elevated_info(request, TRANSFER_STEP_UP.scope):
        elevated = ElevatedFacts(
            scopes=held.get("scope", "").split(),
            expires_at=_when(held.get("expires_at")),
            authenticated_at=_when(held.get("auth_time")),
            authorization_details=[
                {str(name): str(value) for name, value in entry.items()}
                for entry in held.get("authorization_details") or []
                if isinstance(entry, dict)
            ],
            amr=_strings(held.get("amr")),
            acr=str(held.get("acr") or ""),
            bound_to=str(held.get("cnf_jkt") or ""),
            device=str(held.get("device_name") or ""),
        )
    key = dpop.session_key(request)
    amr = claims.get("amr")
    return SessionFacts(
        signed_in=True,
        sub=str(claims.get("sub", request.user.get_username())),
        name=str(claims.get("name", "")),
        email=str(claims.get("email", "")),
        amr=[str(method) for method in amr] if isinstance(amr, list) else [],
        acr=str(claims.get("acr", "")),
        authenticated_at=auth_time,
        issued_at=_when(claims.get("iat")),
        id_token_expires_at=_when(claims.get("exp")),
        mfa=has_mfa(claims, mfa_acr=STATEMENTS_STEP_UP.acr_value()),
        statements_open=statements_open,
        statements_until=(
            _when(claims["auth_time"] + STATEMENTS_STEP_UP.window()) if statements_open else None
        ),
        access_scopes=str(tokens.get("scope", "")).split(),
        access_expires_at=_when(tokens.get("expires_at")),
        has_id_token=bool(tokens.get("id_token")),
        elevated=elevated,
        idp_account_url=settings.IDP_ACCOUNT_URL,
        bound_to=dpop.bound_jkt(tokens.get("access_token")),
        session_key=dpop.thumbprint(key) if key is not None else "",
    )
