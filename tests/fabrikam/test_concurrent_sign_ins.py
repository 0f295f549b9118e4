"""Sign-ins at the same moment through the embedded IdP, on the default database: each
callback writes a session, a customer and security events, and none may answer 5xx."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.journey import Browser
from tests.transfers.test_concurrent_requests import together

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = ["alice@fabrikam.example", "bob@fabrikam.example", "charlie@fabrikam.example"]


def test_nine_people_signing_in_at_once_three_times_all_reach_the_dashboard(site):
    def sign_in(index: int) -> list[int]:
        browser = Browser(site)
        statuses = []
        for _ in range(3):
            browser.client.cookies.clear()
            landed = browser.through_idp(browser.get("/login?next=/"), PEOPLE[index % 3])
            statuses.append(landed.status_code)
            if landed.status_code == 302:
                statuses.append(browser.get(landed["Location"]).status_code)
        return statuses

    results = together(9, sign_in)

    assert all(isinstance(result, list) for result in results), results
    statuses = Counter(status for result in results for status in result)
    assert statuses == {302: 27, 200: 27}, statuses
