"""The IdP's session cookie is named per site: another demo on this machine (browsers do
not keep cookies apart by port) receives it, but under its own names it signs no one in."""

from __future__ import annotations

import pytest

from .conftest import query

pytestmark = pytest.mark.django_db


def test_the_sso_cookie_carries_the_sites_name(rp, alice, settings):
    rp.login(alice)

    assert settings.DEVIDP_SESSION_COOKIE_NAME == "devidp_session_8000"
    assert rp.browser.cookies[settings.DEVIDP_SESSION_COOKIE_NAME].value


def test_another_demos_copy_of_the_cookie_signs_no_one_in_there(rp, alice, settings):
    rp.login(alice)
    assert "login_required" not in rp.authorize(nonce="same-demo", prompt="none")["Location"]

    # The demo on localhost:8491 receives every localhost cookie, this demo's included.
    settings.DEVIDP_SESSION_COOKIE_NAME = "devidp_session_8491"

    assert query(rp.authorize(nonce="other-demo", prompt="none"))["error"] == "login_required"
