"""The pages around the journeys, in a real browser: the teaching pages, the error pages,
and every money page at the narrowest phone width."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Tab, idp_totp, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALICE = "alice@fabrikam.example"


def horizontal_overflow(tab: Tab) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scroll)."""
    return tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_the_teaching_and_error_pages_signed_out(tab: Tab):
    page = tab.page
    page.goto("/how-it-works")
    tab.shot("how-it-works-signed-out")
    response = page.goto("/no/such/page")
    assert response.status == 404
    page.get_by_role("heading", name="We could not find that page").wait_for()
    tab.shot("not-found")
    page.goto("/idp/u/login?tx=stale")
    tab.shot("idp-stale-link")


def test_the_teaching_pages_signed_in(tab: Tab):
    page = tab.page
    sign_in(tab)
    page.get_by_role("link", name="Security").click()
    tab.shot("security")
    page.get_by_role("link", name="How it works").click()
    tab.shot("how-it-works-signed-in")
    page.goto("/logout")
    tab.shot("sign-out-confirm")


def test_no_money_page_scrolls_sideways_at_320_px(tab: Tab):
    page = tab.page
    sign_in(tab)
    page.set_viewport_size({"width": 320, "height": 700})
    widths = {"dashboard": horizontal_overflow(tab)}
    tab.shot("dashboard-320")
    page.get_by_role("link", name=re.compile("Checking")).first.click()
    widths["history"] = horizontal_overflow(tab)
    tab.shot("history-320")
    page.get_by_role("link", name="Statements").click()
    page.wait_for_url("**/idp/u/mfa**")  # a recent session: the code only
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name=re.compile("Statement for")).wait_for()
    widths["statement"] = horizontal_overflow(tab)
    tab.shot("statement-320")
    page.goto("/transfers/new")
    page.wait_for_url("**/idp/u/mfa**")
    idp_totp(tab, ALICE)
    page.get_by_role("heading", name="Move money").wait_for()
    widths["transfer"] = horizontal_overflow(tab)
    tab.shot("transfer-320")
    page.get_by_label("To account number").fill("1000000021")
    page.get_by_label("Amount (USD)").fill("5.00")
    page.get_by_role("button", name="Review transfer").click()
    page.get_by_role("heading", name=re.compile("Confirm")).wait_for()
    widths["confirm"] = horizontal_overflow(tab)
    tab.shot("confirm-320")
    page.get_by_role("button", name=re.compile("Send")).click()
    page.get_by_role("heading", name=re.compile("sent")).wait_for()
    widths["receipt"] = horizontal_overflow(tab)
    tab.shot("receipt-320")

    assert widths == dict.fromkeys(widths, 0)


OVERLAPS = """() => {
  const box = (r) => ({l: r.left, r: r.right, t: r.top, b: r.bottom});
  const meet = (a, b) => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
  const svg = document.querySelector(".flow-diagram svg");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const shapes = [];
  for (const line of svg.querySelectorAll("line.arrow")) {
    const r = box(line.getBoundingClientRect());
    const rightward = +line.getAttribute("x2") > +line.getAttribute("x1");
    const tip = rightward ? r.r : r.l, mid = (r.t + r.b) / 2, head = 14 * scale;
    const half = 7 * scale;
    shapes.push(["arrow", r]);
    shapes.push(["arrowhead", {l: tip - head, r: tip + head, t: mid - half, b: mid + half}]);
  }
  for (const line of svg.querySelectorAll("line.lifeline")) {
    shapes.push(["lifeline", box(line.getBoundingClientRect())]);
  }
  const clashes = [];
  for (const label of svg.querySelectorAll("text.message-label")) {
    const r = box(label.getBoundingClientRect());
    for (const [kind, s] of shapes) if (meet(r, s)) clashes.push(`${label.textContent} / ${kind}`);
  }
  return clashes;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_no_label_of_the_flow_diagram_touches_an_arrow(tab: Tab, width: int):
    tab.page.set_viewport_size({"width": width, "height": 844})
    tab.page.goto("/how-it-works")

    assert tab.page.evaluate(OVERLAPS) == []
