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
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from oidc_client.errors import SignInRequired
from oidc_client.session import api_auth, sign_in_tokens

from .api_errors import ApiError, ServiceUnavailable, UnexpectedAnswer
from .api_schemas import conforms
from .errors import NotFound
from .throttle import CLIENT_ADDRESS_HEADER, client_address, client_address_vouch

log = logging.getLogger("accounts.api_client")

_session = requests.Session()
_session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
_session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
FRESH_TOKEN_SECONDS = 60
# Every status the API documents; anything else (a redirect, 204, 418...) is not its answer.
API_STATUSES = frozenset({200, 201, 400, 401, 403, 404, 409, 422, 429})


def api_url(path: str) -> str:
    """The API's address from configuration: never from the request, whose Host header
    the visitor writes (it would choose who receives the customer's token)."""
    base = settings.API_BASE_URL or (settings.SITE_URL and settings.SITE_URL.rstrip("/") + "/api/")
    if not base:
        log.error("api.not_configured: set API_BASE_URL or SITE_URL")
        raise ServiceUnavailable("The bank's API is not configured. Please try again later.")
    return base.rstrip("/") + "/" + path.lstrip("/")


# All of it: below this frame sit the token, its header and requests' own copies of both,
# which an error report (or DEBUG's page, see fabrikam/debug.py) would otherwise print.
@sensitive_variables()
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
    # Bearer or DPoP (with a fresh proof), as the identity provider issued the token.
    auth = api_auth(request, token)
    headers = {
        "Accept": "application/json",
        # The API counts some calls per client address; its client here is this server,
        # so name the browser it serves, signed: the API believes only this site's own word.
        CLIENT_ADDRESS_HEADER: client_address_vouch(client_address(request)),
    }
    headers.update(kwargs.pop("headers", {}))
    started = time.monotonic()
    try:
        response = _session.request(
            method,
            api_url(path),
            headers=headers,
            auth=auth,
            timeout=settings.API_TIMEOUT,
            # The API never redirects; following one would carry the token somewhere else.
            allow_redirects=False,
            **kwargs,
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
    if response.status_code not in API_STATUSES:
        raise unexpected(path, f"status {response.status_code}")
    if not raise_for_status:
        return response
    if response.status_code == 401 and token is None:
        fresh = time.time() - sign_in_tokens(request).get("obtained_at", 0) < FRESH_TOKEN_SECONDS
        if fresh:
            # A brand-new token refused means configuration, not expiry: say why (the API's
            # own description, e.g. which setting accepts Auth0's `typ: JWT`), never loop.
            reason = ApiError(response).message
            log.warning("api.fresh_sign_in_refused path=%s reason=%r", path, reason[:200])
            raise ServiceUnavailable(f"The bank's API refused a fresh sign-in: {reason}")
        raise SignInRequired("Your session has expired; signing you in again.", code="expired")
    if response.status_code == 404:
        raise NotFound(ApiError(response).message)
    if response.status_code >= 400:
        raise ApiError(response)
    return response


def get_json(request: HttpRequest, path: str, schema: str, **params: Any) -> dict[str, Any]:
    """GET `path`; its answer, checked against the API's `schema` (accounts/api_schemas.py)."""
    return answer(call(request, "GET", path, params=params or None), schema, path=path)


def answer(response: requests.Response, schema: str, *, path: str) -> dict[str, Any]:
    """The response's JSON object if it is a `schema` as the API documents it, or
    `UnexpectedAnswer`: a page must never fail halfway with a KeyError (DEBUG's error page
    would show what it held)."""
    try:
        body = response.json()
    except ValueError:
        raise unexpected(path, "not JSON") from None
    if not isinstance(body, dict) or not conforms(body, schema):
        raise unexpected(path, "unexpected shape")
    return body


def unexpected(path: str, reason: str) -> UnexpectedAnswer:
    log.warning("api.unexpected_answer path=%s reason=%s", path, reason)
    return UnexpectedAnswer(
        "The bank's systems gave an answer we could not read, so we stopped there. "
        "Please try again shortly."
    )
