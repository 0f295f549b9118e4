"""Passkeys in the IdP's flow, through the test client: offered first at a step-up, with TOTP
as the other choice; demanded (and nothing else accepted) when a client names the
phishing-resistant policy; and what the tokens then say."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from devidp import passkeys, sso
from devidp.models import IdpUser

from .authenticator import SoftAuthenticator
from .conftest import MFA_POLICY, query, verify_access_token, verify_id_token

pytestmark = pytest.mark.django_db

PHISHING_RESISTANT = "http://schemas.openid.net/pape/policies/2007/06/phishing-resistant"
STEP_UP = {"scope": "openid transfer:funds", "acr_values": MFA_POLICY, "max_age": "0"}


def enrol(user: IdpUser, **device) -> SoftAuthenticator:
    """Give `user` a passkey, as the account page would."""
    authenticator = SoftAuthenticator(origin="http://localhost:8000", rp_id="localhost", **device)
    session, _raw = sso.session_start(user=user)
    options = passkeys.registration_options(session=session, user=user)
    passkeys.passkey_register(
        session=session, user=user, credential=authenticator.create(options), name="Laptop"
    )
    return authenticator


def csrf(page) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert found is not None
    return found[1].decode()


def use_passkey(rp, response, device: SoftAuthenticator, **answer):
    """On the passkey page: fetch options as the page's script does, answer, submit."""
    url = response["Location"]
    assert "/idp/u/mfa/passkey" in url, url
    page = rp.browser.get(url)
    assert page.status_code == 200, page.content
    token = csrf(page)
    tx = parse_qs(urlsplit(url).query)["tx"][0]
    options = rp.browser.post(
        f"/idp/u/passkeys/options?tx={tx}",
        {"purpose": "authenticate", "csrfmiddlewaretoken": token},
    )
    assert options.status_code == 200, options.content
    credential = device.get(options.json()["publicKey"], **answer)
    return rp.browser.post(url, {"credential": credential, "csrfmiddlewaretoken": token})


def tokens(rp, response) -> tuple[dict, dict]:
    token_response = rp.exchange(rp.code(response))
    assert token_response.status_code == 200, token_response.content
    body = token_response.json()
    return verify_id_token(body["id_token"]), verify_access_token(body["access_token"])


def test_discovery_lists_the_phishing_resistant_and_the_mfa_policies(client):
    supported = client.get("/idp/.well-known/openid-configuration").json()["acr_values_supported"]
    assert PHISHING_RESISTANT in supported
    assert MFA_POLICY in supported


def test_a_person_with_a_passkey_is_offered_it_first_and_the_tokens_say_so(rp, alice):
    device = enrol(alice)
    response = rp.sign_in(rp.authorize(**STEP_UP))
    assert "/idp/u/mfa/passkey" in response["Location"]
    page = rp.browser.get(response["Location"])
    assert b"Use your passkey" in page.content
    assert b"Use a code from your authenticator app instead" in page.content
    assert b"devidp/passkeys.js" in page.content

    id_claims, access = tokens(rp, use_passkey(rp, response, device))
    for claims in (id_claims, access):
        assert claims["amr"] == ["pwd", "hwk", "user", "mfa"]
        assert claims["acr"] == PHISHING_RESISTANT
    assert alice.passkeys.get().last_used_at is not None


def test_a_synced_passkey_is_named_a_software_key(rp, alice):
    device = enrol(alice, backup_eligible=True)
    response = rp.sign_in(rp.authorize(**STEP_UP))
    _id, access = tokens(rp, use_passkey(rp, response, device))
    assert access["amr"] == ["pwd", "swk", "user", "mfa"]
    assert access["acr"] == PHISHING_RESISTANT


def test_the_authenticator_app_remains_the_other_choice(rp, alice):
    enrol(alice)
    response = rp.sign_in(rp.authorize(**STEP_UP))
    page = rp.browser.get(response["Location"])
    found = re.search(rb'href="([^"]*/u/mfa\?tx=[^"]+)"', page.content)
    assert found is not None
    totp_url = found[1].decode()
    totp_page = rp.browser.get(totp_url.replace("&amp;", "&"))
    assert b"Use a passkey instead" in totp_page.content
    response.headers["Location"] = totp_url
    _id, access = tokens(rp, rp.second_factor(response, alice))
    assert access["amr"] == ["pwd", "otp", "mfa"]
    assert access["acr"] == MFA_POLICY


def test_a_refused_passkey_says_why_and_issues_nothing(rp, alice):
    device = enrol(alice)
    response = rp.sign_in(rp.authorize(**STEP_UP))
    refused = use_passkey(rp, response, device, verified=False)
    assert refused.status_code == 400
    assert b"did not verify you" in refused.content


def test_phishing_resistance_asked_for_is_a_passkey_and_nothing_else(rp, alice):
    enrol(alice)
    response = rp.sign_in(rp.authorize(**{**STEP_UP, "acr_values": PHISHING_RESISTANT}))
    page = rp.browser.get(response["Location"])
    assert b"only a passkey will do" in page.content
    assert b"authenticator app instead" not in page.content
    # The code page sends such a request back to the passkey, even when typed in by hand.
    tx = parse_qs(urlsplit(response["Location"]).query)["tx"][0]
    code_page = rp.browser.get(f"/idp/u/mfa?tx={tx}")
    assert code_page.status_code == 302
    assert "/idp/u/mfa/passkey" in code_page["Location"]


def test_a_person_without_a_passkey_is_told_how_to_add_one(rp, alice):
    response = rp.sign_in(rp.authorize(**{**STEP_UP, "acr_values": PHISHING_RESISTANT}))
    assert "/idp/u/mfa/passkey" in response["Location"]
    page = rp.browser.get(response["Location"])
    assert page.status_code == 200
    assert b"A passkey is needed" in page.content
    assert b"/idp/u/account?tx=" in page.content
    assert b"Cancel and go back" in page.content  # access_denied back to the site


def test_a_phishing_resistant_request_gets_the_phishing_resistant_acr(rp, alice):
    device = enrol(alice)
    response = rp.sign_in(rp.authorize(**{**STEP_UP, "acr_values": PHISHING_RESISTANT}))
    id_claims, access = tokens(rp, use_passkey(rp, response, device))
    assert access["acr"] == id_claims["acr"] == PHISHING_RESISTANT


def test_a_code_given_for_a_phishing_resistant_request_earns_no_code(rp, alice):
    """Posting a TOTP code at the code page (bypassing the redirect) verifies a factor, but
    not the one asked for: the browser is sent to the passkey page, and no code issued."""
    enrol(alice)
    response = rp.sign_in(rp.authorize(**{**STEP_UP, "acr_values": PHISHING_RESISTANT}))
    tx = parse_qs(urlsplit(response["Location"]).query)["tx"][0]
    page = rp.browser.get(response["Location"])
    answer = rp.browser.post(
        f"/idp/u/mfa?tx={tx}", {"code": "123456", "csrfmiddlewaretoken": csrf(page)}
    )
    assert "/idp/u/mfa/passkey" in answer["Location"]
    assert "code" not in query(answer)


def test_the_options_endpoint_needs_this_browsers_pending_request(rp, alice):
    enrol(alice)
    response = rp.sign_in(rp.authorize(**STEP_UP))
    tx = parse_qs(urlsplit(response["Location"]).query)["tx"][0]
    page = rp.browser.get(response["Location"])
    token = csrf(page)
    # Without the CSRF token: refused.
    assert (
        rp.browser.post(f"/idp/u/passkeys/options?tx={tx}", {"purpose": "authenticate"})
    ).status_code == 403
    # Not a registration from a step-up page.
    refused = rp.browser.post(
        f"/idp/u/passkeys/options?tx={tx}", {"purpose": "register", "csrfmiddlewaretoken": token}
    )
    assert refused.status_code == 403
    # Another browser (no IdP session) learns nothing.
    stranger = Client()
    assert stranger.post(
        f"/idp/u/passkeys/options?tx={tx}", {"purpose": "authenticate"}
    ).json() == {"error": "This page has expired. Reload it."}
