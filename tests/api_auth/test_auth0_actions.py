"""The contract between Auth0's post-login Actions (docs/auth0-actions/) and the API guard.

Each Action file runs in Node.js against a fake `event` shaped like Auth0's reference
(ISO 8601 method timestamps, `requested_scopes` and `acr_values` as arrays) and an `api`
that records the calls. The claims the second Action sets are then minted into a
`transfer:funds` token and sent to POST /api/transfers: a second factor passed a moment
ago moves money; a fresh password on top of an old second factor does not.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.tokens import AUDIENCE, CLIENT_ID, MFA_POLICY, bearer

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ROOT / "docs" / "auth0-actions"
REQUIRE_MFA = ACTIONS / "require-mfa-for-transfers.js"
CONTEXT_CLAIMS = ACTIONS / "authentication-context-claims.js"
DOC = ROOT / "docs" / "auth0.md"
NAMESPACE = "https://fabrikam.example/"  # the Actions' NAMESPACE = API_CLAIM_NAMESPACE

# Requires an Action file, runs it once with the event read from stdin and an `api` that
# records every call, and prints the calls as JSON. Only the methods the Actions are meant
# to use exist, so a call to anything else fails the run.
HARNESS = """
const fs = require("fs");
const action = require(process.argv[2]);
const event = JSON.parse(fs.readFileSync(0, "utf8"));
const calls = [];
const record = (name) => (...args) => { calls.push([name, ...args]); };
const api = {
  access: { deny: record("access.deny") },
  accessToken: { setCustomClaim: record("accessToken.setCustomClaim") },
  idToken: { setCustomClaim: record("idToken.setCustomClaim") },
  authentication: {
    challengeWith: record("authentication.challengeWith"),
    challengeWithAny: record("authentication.challengeWithAny"),
  },
};
if (typeof action.onExecutePostLogin !== "function") {
  throw new Error("the file does not export onExecutePostLogin");
}
Promise.resolve(action.onExecutePostLogin(event, api)).then(() => {
  process.stdout.write(JSON.stringify(calls));
});
"""


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        reason = "Node.js is needed to run the Auth0 Actions (apt-get install nodejs)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def run_action(node, tmp_path_factory):
    harness = tmp_path_factory.mktemp("auth0-actions") / "harness.js"
    harness.write_text(HARNESS)

    def run(action: Path, event: dict[str, Any]) -> list[list[Any]]:
        # Our own node binary, harness and Action files, and a JSON event on stdin.
        completed = subprocess.run(  # noqa: S603
            [node, str(harness), str(action)],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    return run


def iso(seconds: float) -> str:
    """A method timestamp as Auth0 writes it: ISO 8601, UTC, milliseconds."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def login_event(
    *,
    scopes: str = "openid profile email read:accounts",
    acr_values: tuple[str, ...] = (),
    client_id: str = CLIENT_ID,
    audience: str | None = AUDIENCE,
    methods: list[dict[str, Any]] | None = None,
    secrets: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A post-login `event`, with the fields the Auth0 reference documents."""
    now = time.time()
    event: dict[str, Any] = {
        "authentication": {"methods": methods or [{"name": "pwd", "timestamp": iso(now)}]},
        "client": {"client_id": client_id, "name": "Fabrikam", "metadata": {}},
        "secrets": {"FABRIKAM_CLIENT_ID": CLIENT_ID} if secrets is None else secrets,
        "transaction": {
            "requested_scopes": scopes.split(),
            "acr_values": list(acr_values),
            "protocol": "oidc-basic-profile",
        },
        "user": {"user_id": "auth0|alice", "enrolledFactors": [{"type": "otp"}]},
    }
    if audience is not None:
        event["resource_server"] = {"identifier": audience}
    return event


def claims_set(calls: list[list[Any]], token: str) -> dict[str, Any]:
    return {key: value for name, key, value in calls if name == f"{token}.setCustomClaim"}


# Action 1: require-mfa-for-transfers.js


@pytest.mark.parametrize(
    "event",
    [
        login_event(scopes="openid profile email transfer:funds"),
        login_event(scopes="openid profile email read:accounts", acr_values=(MFA_POLICY,)),
    ],
    ids=["transfer-scope", "mfa-acr"],
)
def test_the_first_action_challenges_a_transfer_by_this_app_for_this_api(run_action, event):
    calls = run_action(REQUIRE_MFA, event)

    assert calls == [["authentication.challengeWith", {"type": "otp"}]]


@pytest.mark.parametrize(
    "event",
    [
        login_event(),
        login_event(scopes="openid transfer:funds", client_id="another-app"),
        login_event(scopes="openid transfer:funds", audience="https://api.other.example"),
        login_event(scopes="openid transfer:funds", audience=None),
    ],
    ids=["plain-sign-in", "another-client", "another-api", "no-api"],
)
def test_the_first_action_leaves_other_logins_alone(run_action, event):
    assert run_action(REQUIRE_MFA, event) == []


@pytest.mark.parametrize("action", [REQUIRE_MFA, CONTEXT_CLAIMS], ids=lambda path: path.stem)
def test_an_action_without_its_client_id_secret_refuses_rather_than_skips(run_action, action):
    calls = run_action(action, login_event(scopes="openid transfer:funds", secrets={}))

    assert [name for name, *_ in calls] == ["access.deny"]


# Action 2: authentication-context-claims.js


def test_the_second_action_dates_the_context_by_the_second_factor(run_action):
    now = int(time.time())
    methods = [
        {"name": "pwd", "timestamp": iso(now - 10)},
        {"name": "mfa", "timestamp": iso(now - 5 + 0.128), "type": "otp"},
    ]

    calls = run_action(CONTEXT_CLAIMS, login_event(scopes="openid transfer:funds", methods=methods))

    expected = {
        f"{NAMESPACE}amr": ["pwd", "mfa"],
        f"{NAMESPACE}acr": MFA_POLICY,
        f"{NAMESPACE}auth_time": now - 5,
    }
    assert claims_set(calls, "accessToken") == expected
    assert claims_set(calls, "idToken") == expected


def test_a_fresh_password_does_not_make_an_old_second_factor_recent(run_action):
    now = int(time.time())
    methods = [
        {"name": "pwd", "timestamp": iso(now)},
        {"name": "mfa", "timestamp": iso(now - 3600), "type": "otp"},
    ]

    calls = run_action(CONTEXT_CLAIMS, login_event(scopes="openid transfer:funds", methods=methods))

    assert claims_set(calls, "accessToken")[f"{NAMESPACE}auth_time"] == now - 3600


def test_without_a_second_factor_there_is_no_mfa_context(run_action):
    calls = run_action(CONTEXT_CLAIMS, login_event())

    assert claims_set(calls, "accessToken") == {f"{NAMESPACE}amr": ["pwd"]}


@pytest.mark.parametrize(
    "event",
    [login_event(client_id="another-app"), login_event(audience="https://api.other.example")],
    ids=["another-client", "another-api"],
)
def test_the_second_action_leaves_other_logins_alone(run_action, event):
    assert run_action(CONTEXT_CLAIMS, event) == []


# What the API makes of those claims


def post_transfer(client, token: str, payment: dict[str, str], key: str) -> Any:
    return client.post(
        "/api/transfers",
        data=json.dumps(payment),
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": key},
    )


@pytest.fixture
def auth0_transfer_token(run_action, transfer_token, settings):
    """mint(methods) -> a transfer:funds token carrying exactly the claims the Action set."""
    settings.API_CLAIM_NAMESPACE = NAMESPACE

    def mint(methods: list[dict[str, Any]]) -> str:
        event = login_event(scopes="openid transfer:funds", methods=methods)
        claims = claims_set(run_action(CONTEXT_CLAIMS, event), "accessToken")
        assert claims, "the Action set no claims"
        return transfer_token(acr=None, amr=None, auth_time=None, **claims)

    return mint


@pytest.fixture
def payment(alice_checking, bob_checking) -> dict[str, str]:
    return {"source": alice_checking.number, "destination": bob_checking.number, "amount": "25.00"}


@pytest.mark.django_db
def test_a_second_factor_passed_a_moment_ago_moves_money(
    client, auth0_transfer_token, payment, alice_checking
):
    now = time.time()
    token = auth0_transfer_token(
        [{"name": "pwd", "timestamp": iso(now - 10)}, {"name": "mfa", "timestamp": iso(now - 5)}]
    )

    response = post_transfer(client, token, payment, key="auth0-action-fresh-mfa")

    assert response.status_code == 201, response.content
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("975.00")


@pytest.mark.django_db
def test_a_fresh_password_on_an_old_second_factor_gets_a_step_up_challenge(
    client, auth0_transfer_token, payment, alice_checking
):
    now = time.time()
    token = auth0_transfer_token(
        [{"name": "pwd", "timestamp": iso(now)}, {"name": "mfa", "timestamp": iso(now - 3600)}]
    )

    response = post_transfer(client, token, payment, key="auth0-action-old-mfa")

    assert response.status_code == 401
    assert 'error="insufficient_user_authentication"' in response["WWW-Authenticate"]
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("1000.00")


@pytest.mark.django_db
def test_a_password_alone_gets_a_step_up_challenge(
    client, auth0_transfer_token, payment, alice_checking
):
    token = auth0_transfer_token([{"name": "pwd", "timestamp": iso(time.time())}])

    response = post_transfer(client, token, payment, key="auth0-action-no-mfa")

    assert response.status_code == 401
    assert 'error="insufficient_user_authentication"' in response["WWW-Authenticate"]
    alice_checking.refresh_from_db()
    assert alice_checking.balance == Decimal("1000.00")


# The walk-through shows the very code that was tested


def test_the_doc_shows_each_action_file_verbatim():
    blocks = re.findall(r"^```js\n(.*?)^```$", DOC.read_text(), flags=re.DOTALL | re.MULTILINE)
    action_blocks = [block for block in blocks if "onExecutePostLogin" in block]

    assert sorted(action_blocks) == sorted(
        path.read_text() for path in (REQUIRE_MFA, CONTEXT_CLAIMS)
    )
