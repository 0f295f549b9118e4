"""Rate limits for API endpoints that answer questions worth harvesting (who owns an
account number), counted per customer and per client address in the shared cache.

Fixed windows: `cache.add` starts a window's counter and `cache.incr` counts atomically, in
Redis when REDIS_URL is set (shared by every process) or in local memory otherwise (one
process, as `make demo` runs).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac

from api_auth.problems import problem_response

from .decorators import CustomerRequest, View

# How the web app names the browser it serves when it calls the API: `<address> <HMAC>`,
# keyed by SECRET_KEY, so only this site's own code can write it. A loopback peer is no
# proof of that: anyone on the host can connect from 127.0.0.1 and write X-Forwarded-For.
CLIENT_ADDRESS_HEADER = "X-Fabrikam-Client-Address"
_VOUCH_SALT = "accounts.throttle.client-address"


class Limits(NamedTuple):
    """One endpoint's rate limit: calls allowed per customer and per address in a window."""

    per_customer: int
    per_address: int
    window: int  # seconds


def payee_lookups() -> Limits:
    """PAYEE_LOOKUPS_PER_CUSTOMER, _PER_ADDRESS and _WINDOW (their defaults are in
    fabrikam/settings/base.py, with the bank's other settings). Read on every call, so an
    override in a test applies at once."""
    return Limits(
        per_customer=settings.PAYEE_LOOKUPS_PER_CUSTOMER,
        per_address=settings.PAYEE_LOOKUPS_PER_ADDRESS,
        window=settings.PAYEE_LOOKUPS_WINDOW,
    )


def rate_limited(limits: Callable[[], Limits]) -> Callable[[View], View]:
    """Answer 429 problem+json with Retry-After once the customer or their address has made
    as many calls as `limits()` allows in its current window (counted per `limits`'s name).
    Use under `customer_required`; refused calls count too."""
    name = limits.__name__

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: CustomerRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            allowed = limits()
            keys = {
                f"customer:{request.customer.pk}": allowed.per_customer,
                f"address:{client_address(request)}": allowed.per_address,
            }
            waits = [
                wait
                for key, limit in keys.items()
                if (wait := _hit(f"ratelimit:{name}:{key}", limit=limit, window=allowed.window))
            ]
            if waits:
                wait = max(waits)
                response = problem_response(
                    status=429,
                    detail=f"Too many requests in a short time. Try again in "
                    f"{math.ceil(wait / 60)} minute{'s' if wait > 60 else ''}.",
                    code="too_many_requests",
                )
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _hit(key: str, *, limit: int, window: int) -> int:
    """Count one call; 0 if within `limit`, else the seconds until the window ends."""
    now = time.time()
    window_key = f"{key}:{int(now // window)}"  # a new key, hence a new count, each window
    cache.add(window_key, 0, timeout=window)
    try:
        count = cache.incr(window_key)
    except ValueError:  # expired between add() and incr(): this call starts the count
        cache.set(window_key, 1, timeout=window)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil(window - now % window))


def client_address_vouch(address: str) -> str:
    """The CLIENT_ADDRESS_HEADER value with which the web app names `address`."""
    signature = salted_hmac(_VOUCH_SALT, address, algorithm="sha256").hexdigest()
    return f"{address} {signature}"


def _vouched_address(request: HttpRequest) -> str | None:
    address, _, signature = request.headers.get(CLIENT_ADDRESS_HEADER, "").partition(" ")
    if not address or not constant_time_compare(
        client_address_vouch(address), f"{address} {signature}"
    ):
        return None
    parsed = _parse(address)
    return parsed.compressed if parsed is not None else None


def client_address(request: HttpRequest) -> str:
    """Who sent the request: the browser the web app names in its signed
    CLIENT_ADDRESS_HEADER; else the peer's address, or, when the peer is a trusted proxy
    (TRUSTED_PROXIES, none by default: a reverse proxy you run), the nearest address it
    says it forwarded for. From anyone else X-Forwarded-For is ignored, since whoever
    sends a request can write it."""
    if vouched := _vouched_address(request):
        return vouched
    peer = request.META.get("REMOTE_ADDR", "")
    if not _trusted(_parse(peer)):
        return peer or "unknown"
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    for part in reversed([part for part in forwarded if part]):
        address = _parse(part)
        if address is None:
            break  # garbage where a proxy should have written an address: trust none of it
        if not _trusted(address):
            return address.compressed
    return peer


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address | None) -> bool:
    return address is not None and any(
        proxy == "*" or address in ipaddress.ip_network(proxy, strict=False)
        for proxy in settings.TRUSTED_PROXIES
    )
