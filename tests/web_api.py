"""Route the web app's HTTP calls to the API into Django's test client, in-process.

The web app still builds real requests with the session's bearer token and the API still
validates it; only the socket is skipped, so web views can be tested with the stand-in
OpenID Provider (tests/fabrikam/oidc_provider.py) and a real ledger.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.test import Client


class ApiThroughTestClient:
    def __init__(self) -> None:
        self.client = Client()
        self.paths: list[str] = []

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        path = urlsplit(url).path
        self.paths.append(path)
        query = f"?{urlencode(params)}" if params else ""
        answer = self.client.generic(method, path + query, headers=headers or {})
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update(dict(answer.headers))
        response.url = url
        return response
