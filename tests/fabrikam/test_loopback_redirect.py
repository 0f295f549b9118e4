"""The demo lives at one host name (SITE_URL): 127.0.0.1 or [::1] redirect to it before any
sign-in starts, because cookies and the IdP's redirect URIs belong to that one name."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "http://localhost:8000"


def test_127_0_0_1_is_sent_to_the_configured_host_with_its_path_and_query(client):
    response = client.get("/accounts/1000000011/?page=2", HTTP_HOST="127.0.0.1:8000")

    assert response.status_code == 302
    assert response["Location"] == "http://localhost:8000/accounts/1000000011/?page=2"


def test_ipv6_loopback_is_sent_there_too(client):
    response = client.get("/login", HTTP_HOST="[::1]:8000")
    assert response["Location"] == "http://localhost:8000/login"


def test_the_configured_host_itself_is_served(client):
    assert client.get("/", HTTP_HOST="localhost:8000").status_code == 200


def test_a_site_configured_on_127_0_0_1_gets_localhost_sent_to_it(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8200"
    response = client.get("/", HTTP_HOST="localhost:8200")
    assert response["Location"] == "http://127.0.0.1:8200/"


@pytest.mark.parametrize(
    ("method", "path", "host"),
    [
        ("post", "/logout", "127.0.0.1:8000"),  # a redirect would drop the form
        ("get", "/api/health", "127.0.0.1:8000"),  # API clients are never bounced
        ("get", "/", "testserver"),  # only loopback names, never another host
    ],
)
def test_nothing_else_is_redirected(client, method, path, host):
    response = getattr(client, method)(path, HTTP_HOST=host)
    assert not (response.status_code == 302 and "localhost:8000" in response["Location"])
