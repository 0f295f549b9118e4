"""FABRIKAM_ROLES: one image, and each process serves only its own URLs."""

from __future__ import annotations

import importlib

import pytest
from django.urls import Resolver404, clear_url_caches, resolve

from fabrikam import urls


def reload_urls() -> None:
    # A reload keeps module attributes the new run does not assign: without this, the plain
    # handler404 of a process without the site would outlive the test and answer every later
    # 404 of this test run (the browser's 404 page among them).
    for status in (400, 403, 404, 500):
        vars(urls).pop(f"handler{status}", None)
    importlib.reload(urls)
    clear_url_caches()


@pytest.fixture
def roles(settings):
    def serve(*names: str) -> None:
        settings.FABRIKAM_ROLES = list(names)
        reload_urls()

    yield serve
    settings.FABRIKAM_ROLES = ["web", "api", "idp"]
    reload_urls()


def resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def test_by_default_one_process_serves_all_three_roles():
    assert resolves("/") and resolves("/api/health")
    assert resolves("/idp/.well-known/openid-configuration")


def test_the_api_role_serves_only_the_api(roles):
    roles("api")

    assert resolves("/api/health")
    assert not resolves("/") and not resolves("/transfers/new")
    assert not resolves("/idp/.well-known/openid-configuration")


def test_the_idp_role_serves_only_the_idp(roles):
    roles("idp")

    assert resolves("/idp/.well-known/openid-configuration")
    assert not resolves("/") and not resolves("/api/accounts")


def test_the_web_role_serves_the_site_but_not_the_api(roles):
    roles("web")

    assert resolves("/") and resolves("/callback") and resolves("/accounts/")
    assert not resolves("/api/health") and not resolves("/idp/authorize")


def test_a_process_without_the_site_answers_errors_plainly(roles, client):
    # The site's error pages link to site URLs, which an api or idp process cannot build.
    roles("api")

    page = client.get("/")
    problem = client.get("/api/no-such-thing")

    assert page.status_code == 404 and page["Content-Type"].startswith("text/plain")
    assert problem.status_code == 404
    assert problem["Content-Type"] == "application/problem+json"
    assert problem.json()["code"] == "not_found"
