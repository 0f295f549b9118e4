"""The web app's step-up callback checks and loop guard, with one thing wrong at a time."""

from __future__ import annotations

import time
from typing import Protocol, cast
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

from accounts.models import StepUpEvent
from accounts.views import STATEMENTS_STEP_UP
from oidc_client.session import ELEVATED_KEY, TOKENS_KEY
from oidc_client.stepup import StepUp
from tests.oidc_client.oidc_provider import ISSUER
from transfers.client import TRANSFER_STEP_UP

pytestmark = pytest.mark.django_db
MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"


@pytest.fixture
def signed_in(client, op):
    params = op.authorize(client)
    client.get("/callback", {"code": "c", "state": params["state"], "iss": ISSUER})
    assert SESSION_KEY in client.session
    return client


def step_up_callback(client, op, path="/transfers/new", **claims):
    params = op.authorize(client, path)
    op.claim_overrides = {
        "amr": ["pwd", "mfa"],
        "acr": MFA,
        "auth_time": int(time.time()),
        **claims,
    }
    return client.get("/callback", {"code": "c2", "state": params["state"], "iss": ISSUER}), params


def test_the_transfer_page_starts_a_step_up_for_transfer_funds(signed_in, op):
    params = op.authorize(signed_in, "/transfers/new")
    assert params["scope"] == "openid transfer:funds"
    assert params["acr_values"] == MFA
    # No max_age=0: the provider asks for the second factor, and the password only when its
    # session is old (devidp/policy.py); the callback still demands a fresh second factor.
    assert "max_age" not in params
    assert params["audience"]
    assert params["login_hint"] == "alice@example.com"  # re-authenticate the same person


def test_a_step_up_leaves_the_password_to_the_providers_policy_unless_declared_otherwise():
    # A copied step-up behaves as the bank's own: no max_age=0 asking for the password again
    # seconds after sign-in; a view that wants it declares max_age=0.
    assert StepUp(scope="x").max_age is None
    assert TRANSFER_STEP_UP.max_age is None and STATEMENTS_STEP_UP.max_age is None


def approval_of(request, invoice: str) -> list[dict]:
    return [{"type": "invoice_payment", "invoice": invoice}]


class PayView(Protocol):
    """The fixture's view, carrying the step-ups it started."""

    started: list[dict]

    def __call__(self, request: HttpRequest, invoice: str) -> HttpResponse: ...


@pytest.fixture
def pay_view(monkeypatch) -> PayView:
    """A view declaring the approval it needs, and the step-ups it starts (not sent)."""
    from oidc_client import stepup

    started: list[dict] = []

    def start(request, step_up, next_url, **asked):
        started.append(asked)
        return HttpResponse(status=302)

    monkeypatch.setattr(stepup, "start", start)

    @stepup.step_up_required(kind="api", scope="payments:write", authorization_details=approval_of)
    def pay(request, invoice):
        return HttpResponse("paid")

    view = cast(PayView, pay)
    view.started = started
    return view


def hold(request, details) -> None:
    request.session[ELEVATED_KEY] = {
        "payments:write": {
            "access_token": "elevated",
            "expires_at": int(time.time()) + 120,
            "authorization_details": details,
        }
    }


def a_request():
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/pay/INV-7")
    request.session = SessionStore()
    request.user = type("User", (), {"get_username": lambda self: "sub", "email": ""})()
    return request


def test_a_view_that_declares_its_approval_asks_the_provider_for_exactly_it(pay_view):
    response = pay_view(a_request(), "INV-7")

    assert response.status_code == 302
    assert pay_view.started == [{"authorization_details": approval_of(None, "INV-7")}]


def test_only_a_token_approved_for_exactly_this_request_opens_the_view(pay_view):
    request = a_request()
    hold(request, approval_of(None, "INV-8"))  # approved, but another invoice
    assert pay_view(request, "INV-7").status_code == 302

    hold(request, approval_of(None, "INV-7"))
    assert pay_view(request, "INV-7").content == b"paid"


def test_the_elevated_token_keeps_the_approving_devices_name_from_the_id_token(signed_in, op):
    op.token_overrides = {"access_token": "elevated-token", "scope": "openid transfer:funds"}
    step_up_callback(signed_in, op, amr=["pwd", "swk", "mca", "mfa"], device_name="Pixel 8")
    assert signed_in.session[ELEVATED_KEY]["transfer:funds"]["device_name"] == "Pixel 8"


def test_a_fresh_mfa_step_up_stores_a_separate_elevated_token(signed_in, op):
    op.token_overrides = {"access_token": "elevated-token", "scope": "openid transfer:funds"}
    response, _ = step_up_callback(signed_in, op)

    assert response.status_code == 302
    assert response["Location"] == "/transfers/new"
    session = signed_in.session
    assert session[ELEVATED_KEY]["transfer:funds"]["access_token"] == "elevated-token"
    assert session[TOKENS_KEY]["access_token"] == "access-token-for-tests"  # sign-in kept
    assert StepUpEvent.objects.filter(outcome="step_up_passed").exists()


def test_a_step_up_completed_as_another_user_ends_the_session(signed_in, op):
    response, _ = step_up_callback(signed_in, op, sub="auth0|mallory")

    assert response.status_code == 400
    assert b"different user" in response.content
    assert SESSION_KEY not in signed_in.session
    assert ELEVATED_KEY not in signed_in.session
    assert StepUpEvent.objects.filter(outcome="step_up_refused", sub="auth0|alice").exists()


def test_an_id_token_without_mfa_is_refused(signed_in, op):
    response, _ = step_up_callback(signed_in, op, amr=["pwd"], acr="urn:fabrikam:pwd")
    assert response.status_code == 403
    assert b"did not confirm a second factor" in response.content
    assert ELEVATED_KEY not in signed_in.session


def test_acr_alone_counts_as_mfa(signed_in, op):
    response, _ = step_up_callback(signed_in, op, amr=None, acr=MFA)
    assert response.status_code == 302
    assert ELEVATED_KEY in signed_in.session


def test_an_api_step_up_also_refreshes_the_session_s_id_token_claims(signed_in, op):
    now = int(time.time())
    step_up_callback(signed_in, op, auth_time=now)

    claims = signed_in.session[TOKENS_KEY]["claims"]
    assert claims["amr"] == ["pwd", "mfa"] and claims["acr"] == MFA
    assert claims["auth_time"] == now  # so a web-only step-up within its window passes
    assert claims["email"] == "alice@example.com"  # the rest of the sign-in claims stay


def test_a_stale_auth_time_is_refused(signed_in, op):
    response, _ = step_up_callback(signed_in, op, auth_time=int(time.time()) - 3600)
    assert response.status_code == 403
    assert b"did not re-authenticate" in response.content
    assert ELEVATED_KEY not in signed_in.session


def test_the_loop_guard_stops_a_second_automatic_attempt(signed_in, op):
    step_up_callback(signed_in, op, amr=["pwd"], acr="urn:fabrikam:pwd")

    again = signed_in.get("/transfers/new")
    assert again.status_code == 403  # an explanation, not another redirect
    assert b"did not ask again automatically" in again.content

    retry = signed_in.get("/transfers/new?retry=1")
    assert retry.status_code == 302 and retry["Location"].startswith(f"{ISSUER}authorize")


def test_a_signed_out_visitor_is_sent_to_sign_in_first(client, op):
    response = client.get("/transfers/new")
    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=/transfers/new")


def test_cancelling_a_step_up_keeps_the_session_and_lets_the_next_try_go_straight_on(signed_in, op):
    params = op.authorize(signed_in, "/transfers/new")
    response = signed_in.get(
        "/callback", {"error": "access_denied", "state": params["state"], "iss": ISSUER}
    )

    assert response.status_code == 302 and response["Location"] == "/"
    assert SESSION_KEY in signed_in.session
    assert ELEVATED_KEY not in signed_in.session
    again = signed_in.get("/transfers/new")
    assert again.status_code == 302 and again["Location"].startswith(f"{ISSUER}authorize")


def test_cancelling_a_step_up_returns_to_the_page_it_was_started_from(signed_in, op):
    page = "/accounts/1000000011/?page=2"
    started = signed_in.get("/transfers/new", HTTP_REFERER=f"http://testserver{page}")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]

    response = signed_in.get("/callback", {"error": "access_denied", "state": state, "iss": ISSUER})

    assert response["Location"] == page


@pytest.mark.parametrize(
    "referer", ["https://evil.example/accounts/", "http://testserver/transfers/new"]
)
def test_a_cancel_never_returns_to_another_site_or_to_the_page_that_asked(signed_in, op, referer):
    started = signed_in.get("/transfers/new", HTTP_REFERER=referer)
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]

    response = signed_in.get("/callback", {"error": "access_denied", "state": state, "iss": ISSUER})

    assert response["Location"] == "/"


def test_a_second_factor_dated_in_the_future_is_refused(signed_in, op):
    # A clock far ahead (or a forged claim) must not buy a step-up that never goes stale.
    response, _ = step_up_callback(signed_in, op, auth_time=int(time.time()) + 3600)

    assert response.status_code == 403
    assert ELEVATED_KEY not in signed_in.session
    assert StepUpEvent.objects.filter(outcome="step_up_refused").exists()


def test_a_decline_on_the_phone_is_said_in_the_providers_words_and_nothing_is_sent(signed_in, op):
    params = op.authorize(signed_in, "/transfers/new")
    response = signed_in.get(
        "/callback",
        {
            "error": "access_denied",
            "error_description": "You declined on your phone.",
            "state": params["state"],
            "iss": ISSUER,
        },
        follow=True,
    )
    assert b"You declined on your phone, so nothing was sent or opened." in response.content


def test_a_description_that_is_not_plain_text_is_not_shown(signed_in, op):
    params = op.authorize(signed_in, "/transfers/new")
    response = signed_in.get(
        "/callback",
        {
            "error": "access_denied",
            "error_description": "x" * 200,
            "state": params["state"],
            "iss": ISSUER,
        },
        follow=True,
    )
    assert b"You cancelled the verification" in response.content
    assert b"x" * 200 not in response.content


def test_a_decline_at_the_provider_is_kept_in_the_security_history_in_its_words(signed_in, op):
    params = op.authorize(signed_in, "/transfers/new")
    signed_in.get(
        "/callback",
        {
            "error": "access_denied",
            "error_description": "You declined on your phone.",
            "state": params["state"],
            "iss": ISSUER,
        },
    )

    declined = StepUpEvent.objects.get(outcome="declined")
    assert declined.get_outcome_display() == "Declined at the identity provider"
    assert declined.detail == "transfer:funds: You declined on your phone."
