"""RFC 9396: a token that carries `authorization_details` approves exactly that, and a view
that needs an approval says what to ask for.

    if not details_check(request.token, type="fabrikam_transfer", expected={...}):
        raise details_challenge(type="fabrikam_transfer", expected={...})  # when required

Each member named in `expected` must equal the approved one (as text); the first one that
differs is named in the refusal, so the client can tell the user what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import BearerChallenge
from .tokens import AccessToken


def approved_details(token: AccessToken, *, type: str) -> list[Mapping[str, Any]]:
    """The token's `authorization_details` entries of `type` (RFC 9396 §2)."""
    details = token.claims.get("authorization_details")
    if not isinstance(details, list):
        return []
    return [entry for entry in details if isinstance(entry, dict) and entry.get("type") == type]


def details_check(token: AccessToken, *, type: str, expected: Mapping[str, str]) -> bool:
    """Whether the token approved a `type` (RFC 9396); if it did, refuse unless it approved
    exactly `expected`, naming the first member that differs."""
    entries = approved_details(token, type=type)
    if not entries:
        return False
    if len(entries) != 1:
        raise BearerChallenge(
            "insufficient_authorization_details", f"The token approves more than one {type}."
        )
    for name, value in expected.items():
        if str(entries[0].get(name)) != str(value):
            challenge = BearerChallenge(
                "insufficient_authorization_details",
                f"This request differs from what was approved: {name}.",
            )
            challenge.field = name
            raise challenge
    return True


def details_challenge(*, type: str, expected: Mapping[str, str]) -> BearerChallenge:
    """The refusal for a request that needs an approval the token lacks: it names the type
    and (draft-zehavi-oauth-rar-metadata) the exact details to ask the issuer for."""
    challenge = BearerChallenge(
        "insufficient_authorization_details",
        "This request must be approved as exactly this one: ask for authorization_details "
        f"of type {type}.",
        authorization_details_types=type,
    )
    challenge.extensions = {"authorization_details": [{"type": type, **expected}]}
    return challenge
