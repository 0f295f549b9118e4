"""Issue 21 item 9 as a person sees it: the statements step-up says why at the IdP, and
turning it down there shows up in the Security page's history, worded as a decline."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import Tab, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_declined_statements_step_up_says_why_and_appears_in_the_history(tab: Tab):
    page = tab.page
    sign_in(tab)
    page.get_by_role("row").filter(has_text="1000000011").get_by_role("link").click()
    page.get_by_role("link", name="Statements").click()

    page.wait_for_url("**/idp/u/mfa**")
    assert page.get_by_text(re.compile("Statements show your full account history")).is_visible()
    tab.shot("statements-step-up-purpose")
    page.get_by_role("button", name="Cancel and go back").click()

    page.get_by_role("link", name="Security").click()
    row = page.get_by_role("row").filter(has_text="Declined at the identity provider")
    row.wait_for()
    tab.shot("security-history-with-a-decline")
