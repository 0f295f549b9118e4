"""The pages that teach the flow: Security shows claims but never a token, and How it works
highlights where this session stands and names code that really exists."""

from __future__ import annotations

import importlib
import itertools
import re
import time

import pytest
from joserfc.jwk import ECKey

from accounts.events import stepup_event_record
from guide import flow as flow_guide
from oidc_client import dpop
from oidc_client.dpop import KEY_SESSION_KEY
from oidc_client.session import ELEVATED_KEY, TOKENS_KEY
from tests.factories import CustomerFactory
from tests.web_api import sign_in_with

pytestmark = pytest.mark.django_db
MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
ELEVATED = "elevated.transfer-funds.token-string"


@pytest.fixture
def alice(client, web_op):
    CustomerFactory(sub="auth0|alice", name="Alice Ng")
    return sign_in_with(client, web_op, auth_time=int(time.time()) - 300)


def hold_elevated_token(client, authorization_details=None, **claims) -> None:
    session = client.session
    session[ELEVATED_KEY] = {
        "transfer:funds": {
            **claims,
            "access_token": ELEVATED,
            "expires_at": int(time.time()) + 240,
            "scope": "openid transfer:funds",
            "auth_time": int(time.time()) - 20,
            "authorization_details": authorization_details,
        }
    }
    session.save()


def test_the_security_page_shows_the_claims_and_never_a_raw_token(alice, web_op):
    hold_elevated_token(alice)
    tokens = alice.session[TOKENS_KEY]

    response = alice.get("/security")

    html = response.content.decode()
    assert response.status_code == 200
    assert "auth0|alice" in html  # sub
    assert "pwd" in html  # amr
    assert "5\xa0minutes ago" in html  # auth_time as a readable age
    assert "read:accounts" in html and "transfer:funds" in html  # both tokens' scopes
    assert "Present: one transfer" in html
    for token in (tokens["access_token"], tokens["id_token"], ELEVATED):
        assert token not in html
        for part in token.split("."):  # not even a JWT's signature or payload
            assert len(part) < 20 or part not in html
    assert "no-store" in response["Cache-Control"]


def test_the_security_page_lists_this_customers_history_with_refused_replays(alice):
    stepup_event_record(sub="auth0|alice", outcome="token_replayed", detail="token already spent")
    stepup_event_record(sub="auth0|mallory", outcome="signed_in", detail="amr=mallory-only")

    html = alice.get("/security").content.decode()

    assert "Blocked: a used transfer token was sent again" in html and "token already spent" in html
    assert "Signed in" in html  # the sign-in this test just made
    assert "mallory-only" not in html  # another subject's events stay theirs


def test_the_security_page_needs_a_sign_in(client, web_op):
    response = client.get("/security")

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=/security")


def current_steps(html: str) -> list[str]:
    return re.findall(r'class="band band-current" data-step="(\w+)"', html)


def test_how_it_works_highlights_the_first_step_for_a_signed_out_visitor(client):
    html = client.get("/how-it-works").content.decode()

    assert "<svg" in html and "You are signed out" in html
    assert current_steps(html) == ["sign_in"]
    assert 'id="step-1" class="step step-current" aria-current="step"' in html
    assert "oidc_client/stepup.py: step_up_required" in html


def test_the_security_page_shows_the_phone_that_approved_beside_the_factor(alice):
    hold_elevated_token(
        alice, amr=["pwd", "swk", "mca", "mfa"], acr=MFA, device_name="Alice's <b>phone</b>"
    )
    html = alice.get("/security").content.decode()
    assert "approval on your paired phone (push with number matching)" in html
    assert "<dt>Approved on</dt><dd>Alice&#x27;s &lt;b&gt;phone&lt;/b&gt;" in html  # escaped


def test_how_it_works_follows_the_session_through_the_flow(alice, settings):
    assert current_steps(alice.get("/how-it-works").content.decode()) == ["read_accounts"]

    session = alice.session
    session[TOKENS_KEY]["claims"].update(amr=["pwd", "mfa"], acr=MFA, auth_time=int(time.time()))
    session.save()
    assert current_steps(alice.get("/how-it-works").content.decode()) == ["web_step_up"]

    hold_elevated_token(alice)
    html = alice.get("/how-it-works").content.decode()
    assert current_steps(html) == ["single_use"]
    assert html.count("band band-done") == 3


def test_every_file_and_function_the_guide_names_exists():
    for step in flow_guide.STEPS:
        for path, function in step.code:
            module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
            assert callable(getattr(module, function, None)), f"{path}: {function}"


def test_the_teaching_pages_use_no_inline_script_or_style(alice):
    for url in ("/security", "/how-it-works", "/accounts/"):
        html = alice.get(url).content.decode()
        assert "<script" not in html and "style=" not in html, url


def test_the_diagram_has_nothing_to_click_inside_its_picture(client):
    html = client.get("/how-it-works").content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]

    assert 'role="img"' in svg and "<a " not in svg  # the step list below holds the links
    assert 'id="step-5"' in html


def test_every_arrow_label_is_short_enough_to_sit_between_two_lifelines():
    labels = [message.label for step in flow_guide.STEPS for message in step.messages]
    assert max(map(len, labels)) <= flow_guide.LABEL_MAX
    lanes = sorted(flow_guide.LANES.values())
    assert min(b - a for a, b in itertools.pairwise(lanes)) >= 300


def test_the_security_page_decodes_the_one_payment_a_token_approves(alice, web_op):
    approval = {"type": "fabrikam_transfer", "amount": "2500.00", "payee": "Bob O."}
    hold_elevated_token(alice, authorization_details=[approval])

    html = alice.get("/security").content.decode()

    assert "Approves exactly" in html
    assert "fabrikam_transfer" in html and "2500.00" in html and "Bob O." in html
    assert ELEVATED not in html


def test_how_it_works_shows_the_approval_level_for_an_approving_token(alice, web_op):
    hold_elevated_token(alice, authorization_details=[{"type": "fabrikam_transfer"}])
    html = alice.get("/how-it-works").content.decode()
    assert "Approve exactly this payment" in html
    assert "one exact payment" in html  # where this session stands


def test_the_security_page_shows_the_key_a_dpop_bound_token_is_bound_to_never_the_token(
    alice, mint_token
):
    key = ECKey.generate_key("P-256", private=True)  # as a fapi2 sign-in keeps in the session
    jkt = dpop.thumbprint(key)
    bound = mint_token(sub="auth0|alice", scope="openid transfer:funds", cnf={"jkt": jkt})
    hold_elevated_token(alice)
    session = alice.session
    session[KEY_SESSION_KEY] = key.as_dict(private=True)
    session[ELEVATED_KEY]["transfer:funds"]["access_token"] = bound
    session.save()

    html = alice.get("/security").content.decode()

    assert f'DPoP-bound: <code>cnf.jkt</code> <code class="wrap">{jkt}</code>' in html
    assert "(this session's key)" in html
    assert bound not in html and bound.split(".")[1] not in html
    assert "no: a bearer token" in html  # the sign-in token of this session is a bearer one


def test_how_it_works_says_which_profile_the_demo_runs(client, settings):
    today = client.get("/how-it-works").content.decode()
    settings.OIDC_PROFILE = "fapi2"
    fapi2 = client.get("/how-it-works").content.decode()

    assert "today's profile" in today and "<code>make demo PROFILE=fapi2</code>" in today
    assert "runs the <strong>FAPI 2.0</strong> profile" in fapi2
    assert "bound to this session's key" in fapi2 and "today's profile" not in fapi2


def test_the_security_page_says_what_it_does_not_protect_against(alice):
    html = alice.get("/security").content.decode()
    section = html[html.index('id="not-protected"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))

    assert "What this does not protect against" in text
    assert "locks the account for everyone" in text  # lockout: a denial of service, by design
    assert "the last of duplicate JSON keys wins" in text
    assert "an aud array that includes the API is valid (RFC 7519" in text
    assert "smaller payments to them need only your second factor" in text
    assert "daily limit" in text


def test_a_phone_approval_is_named_as_such_never_as_a_passkey():
    from guide.session_facts import factor_used

    mfa = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
    assert factor_used(["pwd", "swk", "mca", "mfa"], mfa) == (
        "approval on your paired phone (push with number matching)"
    )
    assert factor_used(["pwd", "swk", "user", "mfa"], mfa) == "a passkey (phishing-resistant)"


def test_how_it_works_has_the_phone_and_the_payments_someone_else_asks_for(client):
    html = client.get("/how-it-works").content.decode()
    assert "Or approve on your phone" in html
    assert "Payments someone else asks for" in html
    assert "make assistant-pay" in html
