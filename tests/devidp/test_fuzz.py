"""Fuzz the IdP's endpoints as an attacker's browser or client would: any parameters, with
quotes, backslashes, controls and stray Unicode, answer with the protocol's error or a
page, never a 500. Deterministic (the same draws on every run) and bounded, so it is a
regression test; tests/security/test_api_fuzz.py does the same for the API."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devidp.par import PARAMETERS

from .conftest import API_AUDIENCE, CLIENT_ID, REDIRECT_URI, basic_auth

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    derandomize=True,  # the same draws every run: a regression test, never flaky
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every authorization request parameter the IdP reads (its own list), then the rest of
# what its endpoints and forms take.
NAMES = [
    *PARAMETERS,
    "request_uri",
    "grant_type",
    "code",
    "code_verifier",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "token",
    "token_type_hint",
    "id_token_hint",
    "post_logout_redirect_uri",
    "returnTo",
    "tx",
    "email",
    "password",
    "purpose",
    "credential",
    "decision",
]
ODD = ["\\", '"', "\x00", "\n", "\r", "%", "'", "<", "\u202e", "\ud7ff", " ", "\t", "="]
PLAUSIBLE = [
    "code",
    CLIENT_ID,
    REDIRECT_URI,
    "openid profile email read:accounts",
    "S256",
    API_AUDIENCE,
    "none",
    "0",
    "authorization_code",
    "[]",
    "urn:ietf:params:oauth:request_uri:x",
]
# Values one edit away from what a client sends, or anything at all (no surrogates: they
# cannot be encoded into a request).
values = (
    st.sampled_from(PLAUSIBLE)
    | st.builds(
        lambda good, odd, at: good[:at] + odd + good[at:],
        st.sampled_from(PLAUSIBLE),
        st.sampled_from(ODD),
        st.integers(0, 40),
    )
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
)
# A well-formed request (what the web app sends) with a few parameters replaced, or
# parameters drawn at random: odd values then meet the code paths that echo them.
WELL_FORMED = {
    "response_type": "code",
    "client_id": CLIENT_ID,
    "redirect_uri": REDIRECT_URI,
    "scope": "openid profile email read:accounts",
    "state": "state-1",
    "nonce": "nonce-1",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "code_challenge_method": "S256",
    "audience": API_AUDIENCE,
}
parameters = st.builds(
    lambda changes, dropped: {
        **{k: v for k, v in WELL_FORMED.items() if k not in dropped},
        **changes,
    },
    st.dictionaries(st.sampled_from(NAMES), values, min_size=1, max_size=3),
    st.sets(st.sampled_from(list(WELL_FORMED)), max_size=2),
) | st.dictionaries(st.sampled_from(NAMES), values, max_size=8)
ENDPOINTS = [
    ("get", "/idp/authorize"),
    ("post", "/idp/authorize"),
    ("post", "/idp/oauth/par"),
    ("post", "/idp/oauth/token"),
    ("post", "/idp/oauth/introspect"),
    ("get", "/idp/oidc/logout"),
    ("get", "/idp/v2/logout"),
    ("get", "/idp/userinfo"),
    ("get", "/idp/u/login"),
    ("get", "/idp/u/signup"),
    ("get", "/idp/u/consent"),
    ("get", "/idp/u/mfa"),
    ("get", "/idp/u/mfa/passkey"),
    ("post", "/idp/u/passkeys/options"),
    ("get", "/idp/u/account"),
]


@FUZZ
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    params=parameters,
    authenticated=st.booleans(),
)
def test_no_parameters_make_an_idp_endpoint_answer_500(demo, endpoint, params, authenticated):
    method, path = endpoint
    browser = BrowserClient(raise_request_exception=False)
    headers = {"Authorization": basic_auth()} if authenticated else {}

    response = getattr(browser, method)(path, params, headers=headers)

    assert response.status_code < 500, (method, path, params, response.content[:300])
