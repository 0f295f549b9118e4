"""`make serve`: the whole demo in ONE gunicorn process. A page calls the API on this same
server, and the API fetches the IdP's keys from it too; threads answer those calls while
the page waits, where a single synchronous worker would wait on itself forever.

Once per profile: `make serve PROFILE=fapi2` is the same process with FABRIKAM_PROFILE and
the demo-only key that scripts/demo_keys.py makes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from tests.browser.conftest import VIEWPORT, Tab, idp_sign_in
from tests.browser.servers import BASE_DIR, free_ports, gunicorn, manage
from tests.journey import PROFILES

pytestmark = pytest.mark.browser

# Settings a developer's shell may carry that would point this server elsewhere.
FOREIGN = (
    *("DJANGO_", "PYTEST", "DATABASE_URL", "REDIS_URL", "OIDC_", "AUTH0_", "API_", "DEVIDP_"),
    *("FABRIKAM_PROFILE", "DEMO_KEYS_DIR"),
)


@pytest.fixture(scope="module", params=PROFILES)
def one_process(tmp_path_factory, request) -> Iterator[str]:
    (port,) = free_ports(1)
    site = f"http://localhost:{port}"
    keys = tmp_path_factory.mktemp("demo-keys")
    # What `make serve PROFILE=...` does first: the demo key (fapi2 only, once).
    if request.param == "fapi2":
        script = [sys.executable, "scripts/demo_keys.py", str(keys)]
        subprocess.run(script, cwd=BASE_DIR, check=True)  # noqa: S603
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)},
        "DJANGO_SETTINGS_MODULE": "fabrikam.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}",
        "SITE_URL": site,
        "DEVIDP_ISSUER": f"{site}/idp",
        "DEVIDP_REDIRECT_URIS": f"{site}/callback",
        "DEVIDP_POST_LOGOUT_REDIRECT_URIS": f"{site}/",
        "WEB_CONCURRENCY": "1",  # one process: every nested call lands on its own threads
        "FABRIKAM_PROFILE": request.param,
        "DEMO_KEYS_DIR": str(keys),
    }
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "devidp_seed")
    with gunicorn([("single", env, port, f"{site}/")]):
        yield site


def test_one_threaded_process_serves_a_page_that_calls_its_own_api(one_process, chromium):
    context = chromium.new_context(viewport=VIEWPORT, base_url=one_process)
    context.set_default_timeout(15_000)
    tab = Tab(context.new_page(), "single-process")
    page = tab.page
    try:
        page.goto("/login")
        idp_sign_in(tab, "alice@fabrikam.example")
        # The dashboard: web -> /api/accounts -> the IdP's JWKS, all in this one process.
        page.get_by_role("heading", name="Your accounts").wait_for()
        assert page.get_by_role("cell", name="1000000011").is_visible()
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # CSS served
        tab.shot("dashboard")
    finally:
        context.close()
    assert tab.csp_violations == []


def test_the_demo_shows_its_own_404_page_not_django_s_debug_page(one_process, chromium):
    # The demo runs with DEBUG off (make demo), as this server does: no URL patterns shown.
    context = chromium.new_context(viewport=VIEWPORT, base_url=one_process)
    tab = Tab(context.new_page(), "single-process-404")
    page = tab.page
    try:
        response = page.goto("/no/such/page")
        assert response.status == 404
        page.get_by_role("heading", name="We could not find that page").wait_for()
        assert "URLconf" not in page.content()
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # CSS served
        tab.shot("not-found")
        page.get_by_role("link", name=re.compile("accounts|start", re.I)).first.click()
        page.wait_for_url(f"{one_process}/")
    finally:
        context.close()
    assert tab.csp_violations == [] and tab.axe_findings == []


def test_discovery_says_what_the_profile_demands(one_process, request):
    profile = request.node.callspec.params["one_process"]
    discovery = requests.get(f"{one_process}/idp/.well-known/openid-configuration", timeout=10)
    published = requests.get(f"{one_process}/oidc/jwks.json", timeout=10)

    metadata = discovery.json()
    if profile == "fapi2":
        assert metadata["require_pushed_authorization_requests"] is True
        assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
        assert "ES256" in metadata["dpop_signing_alg_values_supported"]
        assert "RS256" not in metadata["id_token_signing_alg_values_supported"]
        # The web client publishes the demo key's public half, which the IdP registered.
        [key] = published.json()["keys"]
        assert "d" not in key and key["kty"] == "EC"
    else:
        assert not metadata.get("require_pushed_authorization_requests")
        assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]
        assert published.json() == {"keys": []}
