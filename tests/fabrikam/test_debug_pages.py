"""DEBUG's error page (`make demo DEBUG=true`) shows the request, but no secret in it: no
cookie that is a session (the bank's or the IdP's) or a CSRF token, no password, code,
client secret or assertion, passkey credential, and no Authorization or DPoP header."""

from __future__ import annotations

import sys

import pytest
from django.test import RequestFactory
from django.views.debug import technical_500_response

pytestmark = pytest.mark.django_db


def error_page(request) -> str:
    """DEBUG's page for a bug met while serving `request` (the page quotes the source
    around the raise, so this stays well above the secrets below)."""
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info()).content.decode()


# The secrets a request can carry.


SECRETS = {
    "password": "hunter2-demo-password",
    "code": "834261",
    "client_secret": "demo-only-client-secret-value",
    "client_assertion": "eyJhbGciOiJQUzI1NiJ9.assertion.signature",
    "credential": '{"id": "passkey-credential-secret"}',
    "credentials": "some-credentials-value",
    "code_verifier": "verifier-" + "v" * 40,
}
COOKIES = {
    "fabrikam_session": "bank-session-cookie-value",
    "fabrikam_session_8000": "bank-session-cookie-value-by-port",
    "devidp_session": "idp-session-cookie-value",
    "devidp_session_8000": "idp-session-cookie-value-by-port",
    "__Host-fabrikam_session": "bank-session-cookie-value-https",
    "csrftoken": "csrf-token-cookie-value",
}
HEADERS = {"Authorization": "Bearer header-access-token", "DPoP": "eyJ0eXAiOiJkcG9wK2p3dCJ9.p.s"}


def test_the_debug_page_hides_every_secret_the_request_carries(settings):
    settings.DEBUG = True
    request = RequestFactory().post("/idp/oauth/par", SECRETS, headers=HEADERS)
    request.COOKIES.update(COOKIES)

    page = error_page(request)

    assert "RuntimeError" in page  # it is the debug page, with the request on it
    assert "client_secret" in page and "csrftoken" in page  # the names stay, for debugging
    for secret in [*SECRETS.values(), *COOKIES.values(), *HEADERS.values()]:
        assert secret not in page
        assert secret.replace('"', "&quot;") not in page
