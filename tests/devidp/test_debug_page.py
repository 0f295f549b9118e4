"""A bug behind the IdP's sign-in page, with DEBUG on (`make demo DEBUG=true`): Django's
error page shows the request, but not the password typed into it."""

from __future__ import annotations

import pytest
from django.test import Client

from devidp.views import pending

pytestmark = pytest.mark.django_db


def crash(request, key) -> None:
    """A bug (the error page quotes the source around this raise: no secret may be near)."""
    raise RuntimeError("a bug")


def test_a_crash_behind_the_idps_sign_in_page_shows_no_password(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(pending, "pending_get", crash)
    browser = Client(raise_request_exception=False)

    response = browser.post("/idp/u/login?tx=x", {"email": "a@b.example", "password": PASSWORD})

    assert response.status_code == 500
    assert b"RuntimeError" in response.content  # DEBUG's page
    assert PASSWORD.encode() not in response.content


# The secret, far below the raise above (the page quotes seven lines around it).
PASSWORD = "hunter2-demo-password"
