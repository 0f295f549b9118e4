"""Reading an ID token's authentication context: MFA (`amr`/`acr`) and its age (`auth_time`).

The API guard has the same few lines in `api_auth/claims.py`, on purpose: each app is
copied alone, and a third shared folder would make every copy two copies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, TypeGuard


def is_numeric_date(value: Any) -> TypeGuard[int | float]:
    """RFC 7519 NumericDate: a finite JSON number."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def has_mfa(claims: Mapping[str, Any], *, mfa_acr: str) -> bool:
    amr = claims.get("amr")
    return claims.get("acr") == mfa_acr or (isinstance(amr, list) and "mfa" in amr)


def authenticated_within(claims: Mapping[str, Any], *, max_age: int, leeway: int) -> bool:
    """Did the user authenticate at most `max_age` seconds ago (and not in the future)?"""
    auth_time = claims.get("auth_time")
    if not is_numeric_date(auth_time):
        return False
    age = time.time() - auth_time
    return -leeway <= age <= max_age + leeway
