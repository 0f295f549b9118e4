"""Django's own error pages (400, 403, 404, 500) in the site's look, and messages for sign-in
and sign-out."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.views import defaults

from tests.web_api import sign_in_with

pytestmark = pytest.mark.django_db


def assert_site_look(html: str) -> None:
    assert "/static/css/fabrikam.css" in html
    assert 'class="site-header"' in html and 'class="card error-card"' in html
    assert "<script" not in html and "style=" not in html


def test_an_unknown_address_gets_the_friendly_404(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert_site_look(response.content.decode())
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize(
    ("handler", "exception", "status", "heading"),
    [
        (defaults.bad_request, Exception("bad"), 400, "did not make sense"),
        (defaults.permission_denied, PermissionDenied(), 403, "not allowed to do that"),
        (defaults.page_not_found, Http404(), 404, "could not find that page"),
    ],
)
def test_django_error_handlers_render_in_the_site_look(handler, exception, status, heading):
    request = RequestFactory().get("/somewhere")

    response = handler(request, exception)

    assert response.status_code == status
    assert heading in response.content.decode()
    assert_site_look(response.content.decode())


def test_the_500_page_renders_without_any_request_context():
    # Django renders 500.html with an empty context: it must need nothing that can fail.
    response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert_site_look(response.content.decode())


def test_a_stale_form_gets_the_friendly_csrf_page():
    from django.views.csrf import csrf_failure

    response = csrf_failure(RequestFactory().post("/logout"), reason="CSRF token missing")

    assert response.status_code == 403
    assert "That form has expired" in response.content.decode()


def test_signing_in_and_out_each_say_so(client, web_op):
    sign_in_with(client, web_op, auth_time=int(time.time()))
    assert "Signed in as Alice Ng." in client.get("/how-it-works").content.decode()

    client.post("/logout")

    assert "You are signed out." in client.get("/how-it-works").content.decode()


def test_a_not_found_the_site_explains_has_the_same_design_as_djangos_404(client, rf):
    from fabrikam.middleware import error_page

    request = rf.get("/accounts/1000000099/")
    explained = error_page(request, 404, "No such account.").content.decode()
    django_404 = client.get("/no/such/page").content.decode()

    assert_site_look(explained)
    for part in ('class="error-code"', "Back to the start", "How Fabrikam works"):
        assert part in explained and part in django_404
    assert "No such account." in explained
