"""Reading a token's authentication context: MFA (`amr`/`acr`) and its age (`auth_time`).

The web client has the same few lines in `oidc_client/claims.py`, on purpose: each app is
copied alone, and a third shared folder would make every copy two copies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Mapping
from typing import Any, TypeGuard

AUTH_CONTEXT_CLAIMS = ("acr", "amr", "auth_time")


def is_numeric_date(value: Any) -> TypeGuard[int | float]:
    """RFC 7519 NumericDate: a finite JSON number (python-jose would coerce "9999" or True)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def claim(claims: Mapping[str, Any], name: str, namespace: str = "") -> Any:
    """`name`, or with a namespace only its namespaced form (Auth0 reserves the plain names in
    access tokens): never a mix, such as a namespaced `amr` with some other `auth_time`."""
    return claims.get(f"{namespace}{name}" if namespace else name)


def has_mfa(claims: Mapping[str, Any], *, mfa_acr: str, namespace: str = "") -> bool:
    amr = claim(claims, "amr", namespace)
    return claim(claims, "acr", namespace) == mfa_acr or (isinstance(amr, list) and "mfa" in amr)


def has_acr(
    claims: Mapping[str, Any],
    *,
    required: str,
    stronger: Collection[str] = (),
    mfa_in_amr_counts: bool = False,
    namespace: str = "",
) -> bool:
    """Does the token's `acr` meet `required` (itself, or one of the `stronger` values)?

    `amr` containing `mfa` counts only where the requirement is just "a second factor"
    (`mfa_in_amr_counts`): it names no kind of factor, so never phishing resistance.
    """
    acr = claim(claims, "acr", namespace)
    if isinstance(acr, str) and (acr == required or acr in stronger):
        return True
    amr = claim(claims, "amr", namespace)
    return mfa_in_amr_counts and isinstance(amr, list) and "mfa" in amr


def authenticated_within(
    claims: Mapping[str, Any], *, max_age: int, leeway: int, namespace: str = ""
) -> bool:
    """Did the user authenticate at most `max_age` seconds ago (and not in the future)?"""
    auth_time = claim(claims, "auth_time", namespace)
    if not is_numeric_date(auth_time):
        return False
    age = time.time() - auth_time
    return -leeway <= age <= max_age + leeway
