"""A real Chromium (Debian's, driven by Playwright) against the whole demo on a live server.

One browser per test session, one fresh context (cookies, storage) per test. Every page is
watched for Content-Security-Policy violations, so an inline script or style fails a test,
and every page state a journey photographs is checked with axe-core at 1280 and 390 px
(`tests/browser/axe.py`): a serious or critical violation fails the test too. Screenshots
go to test-artifacts/browser/ (a `-390` copy at phone width); `make screenshots` also
refreshes the few the README shows, under docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pyotp
import pytest
from django.conf import settings as django_settings

from tests.browser import axe
from tests.journey import DEMO_PASSWORD, TOTP_SECRETS, whole_site

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags DEVELOPERS.md gives: nothing in the browser may reach beyond loopback.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = axe.SIZES["1280"]
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts" / "browser"
README_SHOTS = os.environ.get("FABRIKAM_README_SHOTS")  # set by `make screenshots`


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: they are the slowest, and once Playwright runs, Django must be
    told to allow the ORM beside its event loop (see `chromium`), which no other test
    should run under."""
    items.sort(key=lambda item: "browser" in item.keywords)  # stable: keeps other order


def chromium_missing_reason() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright or axe-playwright-python is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def chromium():
    if reason := chromium_missing_reason():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser journeys: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread, which Django takes for an
    # async context; the tests only touch the ORM between browser steps, never concurrently.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Tab:
    """A page plus what the journeys need: screenshots, CSP watch, and TOTP codes."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.shots = 0
        self.csp_violations: list[str] = []
        self.axe_findings: list[axe.Finding] = []
        self.used_steps: dict[str, set[int]] = {}
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def shot(
        self, label: str, *, readme: str | None = None, full_page: bool = False, phone=False
    ) -> None:
        """Save a screenshot of this page state, at 1280 and 390 px, and check it with axe;
        `readme` names the copy the README shows (`phone`: its 390 px one too)."""
        self.shots += 1
        folder = ARTIFACTS / self.name
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=folder / f"{self.shots:02d}-{label}.png")
        if readme and README_SHOTS:
            Path(README_SHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=Path(README_SHOTS) / f"{readme}.png", full_page=full_page)
        phone_shot = folder / f"{self.shots:02d}-{label}-390.png"
        self.axe(label, shot_to=phone_shot)
        if readme and README_SHOTS and phone:
            shutil.copyfile(phone_shot, Path(README_SHOTS) / f"{readme}-390.png")

    def axe(self, state: str, *, shot_to: Path | None = None) -> None:
        """Check the page as it is now with axe-core, at both sizes."""
        self.axe_findings += axe.audit(
            self.page, test=self.name, state=state, report=ARTIFACTS / "axe.jsonl", shot_to=shot_to
        )

    def totp(self, secret: str) -> str:
        """A code the IdP has not seen yet: it accepts each time step once per user, and
        one step of drift, so a quick second code is the next step's."""
        used = self.used_steps.setdefault(secret, set())
        totp = pyotp.TOTP(secret)
        while True:
            now_step = int(time.time() // totp.interval)
            step = max(now_step, max(used, default=now_step - 1) + 1)
            if step <= now_step + 1:
                break
            time.sleep(1)
        used.add(step)
        return totp.at(step * totp.interval)


@pytest.fixture
def bank(live_server, settings, profile):
    """The whole demo (web, API and embedded IdP) on the live server, freshly seeded, in
    `profile` (tests.journey: today's unless a test runs `both_profiles`)."""
    with whole_site(settings, live_server.url, home=f"{live_server.url}/", profile=profile) as url:
        yield url


@pytest.fixture
def tab(chromium, bank, request):
    context = chromium.new_context(viewport=VIEWPORT, base_url=bank)
    context.set_default_timeout(15_000)
    tab = Tab(context.new_page(), request.node.name.removeprefix("test_"))
    yield tab
    context.close()
    assert tab.csp_violations == [], "the Content-Security-Policy blocked something"
    assert [str(f) for f in tab.axe_findings] == [], "axe-core: serious or critical violations"


# --- steps every journey shares ------------------------------------------------------------


def idp_sign_in(tab: Tab, email: str, password: str = DEMO_PASSWORD) -> None:
    page = tab.page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()


def idp_totp(tab: Tab, email: str, code: str | None = None) -> None:
    page = tab.page
    page.get_by_label("6-digit code").fill(code or tab.totp(TOTP_SECRETS[email]))
    page.get_by_role("button", name="Verify").click()


def sign_in(tab: Tab, email: str = "alice@fabrikam.example") -> None:
    page = tab.page
    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/idp/u/login**")
    idp_sign_in(tab, email)
    page.get_by_role("heading", name="Your accounts").wait_for()
