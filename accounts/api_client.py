"""How the web app reaches the resource API: over HTTP, like any other client.

One pooled `requests.Session` per process keeps connections alive between page views; the
web app never imports API code or reads the ledger tables.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from django.conf import settings
from django.http import HttpRequest
from requests.adapters import HTTPAdapter

from oidc_client.errors import SignInRequired
from oidc_client.session import sign_in_access_token, sign_in_tokens

from .errors import ApplicationError, NotFound, ServiceUnavailable

log = logging.getLogger("accounts.api_client")

_session = requests.Session()
_session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
_session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
FRESH_TOKEN_SECONDS = 60


class ApiError(ApplicationError):
    """The API refused a request; `problem` is its problem+json body."""

    def __init__(self, response: requests.Response):
        try:
            self.problem = response.json()
        except ValueError:
            self.problem = {}
        super().__init__(
            self.problem.get("detail") or "The bank could not process that request.",
            field=self.problem.get("field"),
            code=self.problem.get("code"),
        )
        self.status = response.status_code
        self.response = response


def api_url(path: str) -> str:
    """The API's address from configuration: never from the request, whose Host header
    the visitor writes (it would choose who receives the customer's token)."""
    base = settings.API_BASE_URL or (settings.SITE_URL and settings.SITE_URL.rstrip("/") + "/api/")
    if not base:
        log.error("api.not_configured: set API_BASE_URL or SITE_URL")
        raise ServiceUnavailable("The bank's API is not configured. Please try again later.")
    return base.rstrip("/") + "/" + path.lstrip("/")


def call(
    request: HttpRequest,
    method: str,
    path: str,
    *,
    token: str | None = None,
    raise_for_status: bool = True,
    **kwargs: Any,
) -> requests.Response:
    """Call the API with the sign-in access token (or `token`) and map failures.

    A 401 for the sign-in token means it was revoked or expired early: sign in again,
    unless the token is brand new, which would loop forever on a misconfigured API.
    """
    bearer = token or sign_in_access_token(request)
    headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}
    headers.update(kwargs.pop("headers", {}))
    started = time.monotonic()
    try:
        response = _session.request(
            method, api_url(path), headers=headers, timeout=settings.API_TIMEOUT, **kwargs
        )
    except requests.RequestException as exc:
        log.warning("api.unreachable path=%s error=%s", path, type(exc).__name__)
        raise ServiceUnavailable(
            "The bank's systems are not answering right now. Please try again in a moment."
        ) from None
    log.debug(
        "api.call path=%s status=%s ms=%.1f",
        path,
        response.status_code,
        (time.monotonic() - started) * 1000,
    )
    if response.status_code >= 500:
        raise ServiceUnavailable("The bank's systems had a problem. Please try again shortly.")
    if not raise_for_status:
        return response
    if response.status_code == 401 and token is None:
        fresh = time.time() - sign_in_tokens(request).get("obtained_at", 0) < FRESH_TOKEN_SECONDS
        if fresh:
            raise ServiceUnavailable("The bank's API refused a fresh sign-in. Please try later.")
        raise SignInRequired("Your session has expired; signing you in again.", code="expired")
    if response.status_code == 404:
        raise NotFound(ApiError(response).message)
    if response.status_code >= 400:
        raise ApiError(response)
    return response


def get_json(request: HttpRequest, path: str, **params: Any) -> dict[str, Any]:
    return call(request, "GET", path, params=params or None).json()
