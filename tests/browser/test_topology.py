"""The docker-compose topology without Docker: `web`, `api` and `idp` as three gunicorn
processes from one codebase, production settings, one PostgreSQL database and Redis, and
the IdP on another host name (127.0.0.1 against localhost), so its cookies are cross-site
as a real Auth0 tenant's are. A real browser signs in and steps up across them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection
from psycopg import sql

from tests.browser.conftest import VIEWPORT, Tab, idp_sign_in, idp_totp
from tests.browser.servers import free_ports, gunicorn, manage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="the topology test runs three services over PostgreSQL and Redis: "
        "set DATABASE_URL=postgres://... and REDIS_URL=redis://...",
    ),
]


@dataclass
class Topology:
    web: str
    api: str
    idp: str
    logs: Path


def server_url(database: str) -> str:
    """A URL for `database` on the server the test run's own database lives on."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


def redis_url() -> str:
    # Its own Redis database number, so it shares nothing with the test run's.
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit(parts._replace(path="/14"))


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    name = f"fabrikam_topology_{os.getpid()}"
    admin = psycopg.connect(server_url("postgres").replace("postgres://", "postgresql://"))
    admin.autocommit = True
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server_url(name)
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.close()


@pytest.fixture(scope="module")
def topology(database, tmp_path_factory) -> Iterator[Topology]:
    web_port, api_port, idp_port = free_ports(3)
    web, api = f"http://localhost:{web_port}", f"http://localhost:{api_port}"
    idp = f"http://127.0.0.1:{idp_port}"  # another site: cookies do not cross
    client_secret = secrets.token_urlsafe(24)
    # The same variables docker-compose.yml sets.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "fabrikam.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; TLS is the proxy's job
        "DATABASE_URL": database,
        "REDIS_URL": redis_url(),
        "STATIC_ROOT": str(tmp_path_factory.mktemp("static")),
        "OIDC_ISSUER": f"{idp}/idp",
        "AUTH0_CLIENT_ID": "fabrikam-web",
        "AUTH0_CLIENT_SECRET": client_secret,
        "API_BASE_URL": f"{api}/api/",
        "API_REQUIRE_AUTH_CONTEXT": "true",
        "DEVIDP_ENABLED": "true",
        "DEVIDP_ISSUER": f"{idp}/idp",
        "DEVIDP_CLIENT_SECRET": client_secret,
        "DEVIDP_REDIRECT_URIS": f"{web}/callback",
        "DEVIDP_POST_LOGOUT_REDIRECT_URIS": f"{web}/",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
    }
    for command in ("migrate", "collectstatic", "seed_demo", "devidp_seed"):
        manage(env, command, *(["--noinput"] if command in ("migrate", "collectstatic") else []))
    roles = [
        ("idp", idp_port, f"{idp}/idp/.well-known/openid-configuration"),
        ("api", api_port, f"{api}/api/health"),
        ("web", web_port, f"{web}/"),
    ]
    with gunicorn(
        [(role, {**env, "FABRIKAM_ROLES": role}, port, health) for role, port, health in roles]
    ) as logs:
        yield Topology(web=web, api=api, idp=idp, logs=logs)


def test_each_role_serves_only_its_own_urls(topology: Topology):
    assert requests.get(f"{topology.web}/api/health", timeout=5).status_code == 404
    assert requests.get(f"{topology.api}/", timeout=5).status_code == 404
    assert requests.get(f"{topology.idp}/", timeout=5).status_code == 404
    assert requests.get(f"{topology.web}/idp/authorize", timeout=5).status_code == 404
    assert requests.get(f"{topology.api}/api/health", timeout=5).json()


def test_sign_in_and_a_stepped_up_transfer_work_across_the_three_services(
    topology: Topology, chromium
):
    context = chromium.new_context(viewport=VIEWPORT, base_url=topology.web)
    context.set_default_timeout(15_000)
    tab = Tab(context.new_page(), "topology")
    page = tab.page
    try:
        page.goto("/")
        page.get_by_role("link", name="Sign in").first.click()
        page.wait_for_url(f"{topology.idp}/idp/u/login**")
        idp_sign_in(tab, "alice@fabrikam.example")
        page.get_by_role("heading", name="Your accounts").wait_for()
        assert page.url.startswith(topology.web)
        row = page.get_by_role("row").filter(has_text="1000000011")
        before = Decimal(row.locator("td.num").inner_text().strip("$").replace(",", ""))
        tab.shot("dashboard")

        page.get_by_role("link", name="Transfer").click()
        page.wait_for_url(f"{topology.idp}/idp/u/mfa**")  # a recent session: the code only
        idp_totp(tab, "alice@fabrikam.example")
        page.get_by_role("heading", name="Move money").wait_for()
        page.get_by_label("From").select_option("1000000011")
        page.get_by_label("To account number").fill("1000000021")
        page.get_by_label("Amount (USD)").fill("25.00")
        page.get_by_role("button", name="Review transfer").click()
        page.get_by_role("button", name="Send $25.00").click()
        page.get_by_role("heading", name="Transfer sent").wait_for()
        tab.shot("receipt")
        page.get_by_role("link", name="Back to your accounts").click()
        row = page.get_by_role("row").filter(has_text="1000000011")
        after = Decimal(row.locator("td.num").inner_text().strip("$").replace(",", ""))
        assert after == before - Decimal("25.00")

        # Sign-out leaves for the IdP's origin and comes back: form-action allows both.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{topology.web}/")
        page.get_by_role("link", name="Sign in").first.click()
        page.wait_for_url(f"{topology.idp}/idp/u/login**")
        tab.shot("signed-out")
    finally:
        context.close()
    assert tab.csp_violations == []
    assert [str(f) for f in tab.axe_findings] == []
    logs = "".join((topology.logs / f"{role}.log").read_text() for role in ("web", "api", "idp"))
    assert "request method=POST path=/transfers/confirm status=302" in logs
    assert "request method=POST path=/api/transfers status=201" in logs
    # Two web workers kept one session between them: it lives in Redis, not in a process.
    sessions = redis.Redis.from_url(redis_url()).keys("*django.contrib.sessions.cache*")
    assert sessions
