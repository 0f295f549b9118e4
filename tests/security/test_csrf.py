"""Every POST the site and its IdP accept from a browser needs a CSRF token.

The sweep reads every route from the resolver: a new form view is covered the day it
lands, and a new `csrf_exempt` view fails until it is added to the list below with a reason.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from .urls import routes

pytestmark = pytest.mark.django_db

# Views that may take a POST without a CSRF token, and why none of them can be abused
# through a victim's browser cookies.
CSRF_EXEMPT = {
    # Bearer-token APIs: no cookie ever authenticates them (fabrikam.problems.api_view).
    "api:accounts",
    "api:account-transactions",
    "api:account-statement",
    "api:security-events",
    "api:transfers",
    "api:transfer-detail",
    "api:payee-detail",
    "api:health",
    "api:openapi",
    # RFC 7662 introspection: a back-channel call authenticated by the API's own credentials.
    "devidp:introspect",
    # RFC 9126 PAR: a back-channel call authenticated by the client secret, not a cookie.
    "devidp:par",
    # OIDC endpoints: a cross-site POST to /authorize is allowed by OIDC Core and changes
    # nothing; token and userinfo authenticate with a client secret or a bearer token.
    "devidp:authorize",
    "devidp:token",
    "devidp:userinfo",
    # CIBA: a back-channel call authenticated by the client's credentials.
    "devidp:backchannel_authentication",
    # The phone app's JSON calls: each carries its own authority (a one-time pairing code,
    # or the phone's signature over the answer), never a cookie (devidp/views/device.py).
    "devidp:device_pair",
    "devidp:device_answer",
}
# The browser forms that must be behind CSRF protection (a floor for the sweep).
FORM_VIEWS = {
    "logout",
    "transfer-new",
    "transfer-confirm",
    "devidp:sign_in",
    "devidp:sign_up",
    "devidp:cancel",
    "devidp:totp",
    "devidp:totp_enrol",
    "devidp:end_session",
    "devidp:approve",
    "devidp:passkey",
    "devidp:passkey_options",
    "devidp:account_verify",
    "devidp:account_passkey_add",
    "devidp:account_passkey_remove",
    "devidp:account_phone_pair",
    "devidp:account_phone_remove",
    "devidp:push",
}
SAMPLE = {
    "number": "1000000011",
    "transfer_id": "00000000-0000-0000-0000-000000000001",
    "passkey_id": "1",
    "device_id": "1",
}


def site_routes():
    return [route for route in routes() if not route.path.startswith("/admin/")]


def test_only_the_listed_views_are_csrf_exempt():
    names = {route.name for route in site_routes()}
    exempt = {route.name for route in site_routes() if getattr(route.callback, "csrf_exempt", 0)}
    assert exempt == CSRF_EXEMPT & names


@pytest.fixture
def csrf_client(alice) -> Client:
    """A signed-in browser that, like a real one, only sends a CSRF token when told to."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.create(username=alice.sub))
    return client


def refused_for_csrf(caplog) -> bool:
    # Django logs every CSRF refusal here, whatever page the site shows for it.
    return any(record.name == "django.security.csrf" for record in caplog.records)


def test_no_view_accepts_a_post_without_a_csrf_token(csrf_client, caplog):
    refused, others = set(), {}
    for route in site_routes():
        if route.name in CSRF_EXEMPT:
            continue
        caplog.clear()
        response = csrf_client.post(route.fill(SAMPLE), {"anything": "x"})
        if response.status_code == 403 and refused_for_csrf(caplog):
            refused.add(route.name)
        elif response.status_code != 405:  # a view that takes no POST at all is fine too
            others[route.name] = response.status_code

    assert others == {}, "these views took a POST without a CSRF token"
    assert refused >= FORM_VIEWS


def test_the_admin_login_needs_a_csrf_token_too(caplog):
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403
    assert refused_for_csrf(caplog)


def test_a_form_posted_with_its_token_gets_past_the_csrf_check(csrf_client):
    page = csrf_client.get("/logout")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert found is not None
    token = found[1].decode()

    response = csrf_client.post("/logout", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302  # signed out: the sweep's 403s were the CSRF check


def test_a_token_from_another_session_is_refused(csrf_client, caplog):
    stranger = Client(enforce_csrf_checks=True)
    page = stranger.get("/logout")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert found is not None
    token = found[1].decode()
    csrf_client.get("/logout")  # the victim's browser has its own CSRF cookie

    response = csrf_client.post("/logout", {"csrfmiddlewaretoken": token})

    assert response.status_code == 403
    assert refused_for_csrf(caplog)
