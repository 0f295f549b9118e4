"""Session fixation, on the live site: the session a visitor had before signing in (which
an attacker could have planted) is worthless afterwards."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string

from tests.journey import Browser

pytestmark = pytest.mark.django_db(transaction=True)


def session_store() -> type[SessionBase]:
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def test_signing_in_cycles_the_session_key_and_forgets_the_old_one(browser: Browser):
    browser.get("/login?next=/accounts/")  # the visit before sign-in creates a session
    planted = browser.client.cookies[settings.SESSION_COOKIE_NAME].value
    assert session_store()().exists(planted)

    browser.sign_in(next_url="/accounts/")

    signed_in = browser.client.cookies[settings.SESSION_COOKIE_NAME].value
    assert signed_in != planted
    assert not session_store()().exists(planted)
    # Someone holding the planted cookie is not signed in as Alice.
    attacker = Browser(browser.site)
    attacker.client.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert attacker.get("/accounts/").status_code == 302
