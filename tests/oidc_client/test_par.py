"""Pushed authorization requests (RFC 9126) carrying authorization details (RFC 9396):
pushed with client authentication, referred to by request_uri alone, and refused up front,
never downgraded, when the provider cannot approve one transaction."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from oidc_client import provider
from oidc_client.errors import ApprovalUnsupported, ProviderUnavailable, SignInFailed
from tests.oidc_client.oidc_provider import CLIENT_ID, ISSUER

pytestmark = pytest.mark.django_db
DETAILS = [
    {
        "type": "fabrikam_transfer",
        "amount": "2500.00",
        "currency": "USD",
        "source": "1000000011",
        "source_name": "Checking",
        "destination": "1000000021",
        "payee": "Bob O.",
        "idempotency_key": "pending-key-0001",
    }
]


class PushedRequests:
    """The provider's PAR endpoint: records each push and answers as told."""

    def __init__(self) -> None:
        self.pushed: list[dict] = []
        self.status, self.body = (
            201,
            {"request_uri": "urn:ietf:params:oauth:request_uri:abc", "expires_in": 60},
        )
        self.unreachable = False

    def post(self, url: str, *, data: dict, headers: dict, **kwargs) -> requests.Response:
        if self.unreachable:
            raise requests.ConnectionError("refused")
        self.pushed.append({"url": url, "authorization": headers.get("Authorization"), **data})
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(self.body).encode()
        return response


@pytest.fixture
def par(op, monkeypatch) -> PushedRequests:
    op.metadata.update(
        {
            "pushed_authorization_request_endpoint": f"{ISSUER}oauth/par",
            "authorization_details_types_supported": ["fabrikam_transfer"],
        }
    )
    op.install()
    endpoint = PushedRequests()
    monkeypatch.setattr(provider.requests, "post", endpoint.post)
    return endpoint


def request():
    req = RequestFactory().get("/transfers/confirm")
    req.session = SessionStore()
    return req


def approval_flow(details=DETAILS) -> provider.Flow:
    return provider.Flow(
        purpose="step_up", next_url="/transfers/confirm", authorization_details=details
    )


def test_an_approval_is_pushed_and_the_browser_only_sees_a_reference(par):
    response = provider.start(request(), flow=approval_flow(), scope="openid transfer:funds")

    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}authorize"
    assert parse_qs(location.query) == {
        "client_id": [CLIENT_ID],
        "request_uri": ["urn:ietf:params:oauth:request_uri:abc"],
    }
    (pushed,) = par.pushed
    assert pushed["url"] == f"{ISSUER}oauth/par"
    assert json.loads(pushed["authorization_details"]) == DETAILS
    # client_secret_basic, the default (RFC 6749 §2.3.1): never the secret in the body.
    basic = base64.b64encode(f"{CLIENT_ID}:test-secret".encode()).decode()
    assert pushed["authorization"] == f"Basic {basic}" and "client_secret" not in pushed
    assert pushed["code_challenge_method"] == "S256" and pushed["code_challenge"]
    assert pushed["state"] and pushed["nonce"] and pushed["response_type"] == "code"
    assert "transfer:funds" in pushed["scope"].split()


@pytest.mark.parametrize(
    "missing",
    ["pushed_authorization_request_endpoint", "authorization_details_types_supported"],
)
def test_a_provider_that_cannot_approve_one_payment_is_refused_not_downgraded(op, par, missing):
    del op.metadata[missing]
    op.install()
    with pytest.raises(ApprovalUnsupported):
        provider.start(request(), flow=approval_flow(), scope="openid transfer:funds")
    assert par.pushed == []  # nothing was sent anywhere


def test_an_unknown_details_type_is_refused_up_front(par):
    with pytest.raises(ApprovalUnsupported):
        provider.start(request(), flow=approval_flow([{"type": "other_payment"}]))
    assert par.pushed == []


def test_a_refused_push_is_a_clear_sign_in_failure(par):
    par.status, par.body = 400, {"error": "invalid_authorization_details"}
    with pytest.raises(SignInFailed, match="refused the details to approve"):
        provider.start(request(), flow=approval_flow(), scope="openid transfer:funds")


def test_an_unreachable_par_endpoint_is_a_provider_outage(par):
    par.unreachable = True
    with pytest.raises(ProviderUnavailable):
        provider.start(request(), flow=approval_flow(), scope="openid transfer:funds")


def test_a_plain_sign_in_is_pushed_only_when_asked(par, settings):
    plain = provider.Flow(purpose="sign_in", next_url="/")
    assert "request_uri" not in provider.start(request(), flow=plain)["Location"]
    settings.OIDC_USE_PAR = True
    assert "request_uri=" in provider.start(request(), flow=plain)["Location"]
    assert len(par.pushed) == 1


def test_types_a_provider_does_not_list_can_be_declared(op, par, settings):
    del op.metadata["authorization_details_types_supported"]
    op.install()
    settings.OIDC_AUTHORIZATION_DETAILS_TYPES = ["fabrikam_transfer"]
    response = provider.start(request(), flow=approval_flow(), scope="openid transfer:funds")
    assert "request_uri=" in response["Location"]
