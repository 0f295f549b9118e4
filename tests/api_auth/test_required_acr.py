"""The recent-MFA rule with a required acr: the phishing-resistant policy is met by that acr
only, and it meets the plain MFA policy too (api_auth/decorators.py)."""

from __future__ import annotations

import time

import pytest

from api_auth.conf import MFA_ACR, PHISHING_RESISTANT_ACR
from api_auth.decorators import authentication_context_check
from api_auth.errors import BearerChallenge


# Dated when each test runs, not when the module is collected: a long suite reaches these
# tests minutes later, past the 300 s window every claim here is checked against.
def now() -> int:
    return int(time.time())


def passkey() -> dict:
    return {"acr": PHISHING_RESISTANT_ACR, "amr": ["pwd", "hwk", "user", "mfa"], "auth_time": now()}


def code() -> dict:
    return {"acr": MFA_ACR, "amr": ["pwd", "otp", "mfa"], "auth_time": now()}


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.API_REQUIRE_AUTH_CONTEXT = True
    settings.API_CLAIM_NAMESPACE = ""


def refusal(claims, **kwargs) -> BearerChallenge:
    with pytest.raises(BearerChallenge) as caught:
        authentication_context_check(claims, max_age=300, **kwargs)
    return caught.value


def test_a_passkey_meets_the_mfa_policy_and_the_phishing_resistant_one():
    authentication_context_check(passkey(), max_age=300)
    authentication_context_check(passkey(), max_age=300, acr=PHISHING_RESISTANT_ACR)


def test_a_code_meets_the_mfa_policy_but_not_the_phishing_resistant_one():
    authentication_context_check(code(), max_age=300)
    challenge = refusal(code(), acr=PHISHING_RESISTANT_ACR)
    assert challenge.status == 401
    assert challenge.error == "insufficient_user_authentication"
    assert challenge.params == {"acr_values": PHISHING_RESISTANT_ACR, "max_age": 300}
    assert "phishing-resistant" in challenge.description


def test_key_methods_in_amr_without_the_acr_are_not_enough():
    """`hwk` says a key was used, not that the provider checked it was phishing-resistant."""
    refusal({**code(), "amr": ["pwd", "hwk", "user", "mfa"]}, acr=PHISHING_RESISTANT_ACR)
    refusal({"amr": ["pwd", "mfa"], "auth_time": now()}, acr=PHISHING_RESISTANT_ACR)


def test_a_stale_passkey_asks_for_a_fresh_one():
    challenge = refusal({**passkey(), "auth_time": now() - 3600}, acr=PHISHING_RESISTANT_ACR)
    assert challenge.description == "More recent authentication is required."
    assert challenge.params["acr_values"] == PHISHING_RESISTANT_ACR


def test_a_namespaced_acr_counts_as_auth0_sends_it(settings):
    settings.API_CLAIM_NAMESPACE = "https://fabrikam.example/"
    claims = {f"https://fabrikam.example/{k}": v for k, v in passkey().items()}
    authentication_context_check(claims, max_age=300, acr=PHISHING_RESISTANT_ACR)
    refusal({"acr": PHISHING_RESISTANT_ACR, "auth_time": now()}, acr=PHISHING_RESISTANT_ACR)


def test_without_any_context_a_phishing_resistant_check_fails_closed(settings):
    settings.API_REQUIRE_AUTH_CONTEXT = False
    authentication_context_check({}, max_age=300)  # the escape hatch, for MFA only
    refusal({}, acr=PHISHING_RESISTANT_ACR)


def test_the_stronger_acrs_are_a_setting(settings):
    settings.API_STRONGER_ACRS = {}
    refusal({"acr": PHISHING_RESISTANT_ACR, "amr": ["hwk"], "auth_time": now()})
