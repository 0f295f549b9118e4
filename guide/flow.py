"""The flow the How it works page teaches: its steps, the code behind each one, and where
a session stands. The diagram's geometry is computed here so the template only draws it.

tests/guide/test_guide.py checks that every file and function named here exists.
"""

from __future__ import annotations

from dataclasses import dataclass

# Lifeline x positions: the web app in the middle talks left to the identity provider
# (through your browser's redirects) and right to the bank's API (server to server).
# Lanes 300 apart: a label of up to LABEL_MAX characters (12px text) fits between two
# lifelines with room to spare at each arrowhead (tests/browser/test_pages.py measures it).
LANES = {"idp": 150, "web": 450, "api": 750}
LANE_NAMES = {"idp": "Identity provider", "web": "Fabrikam web app", "api": "Bank API"}
WIDTH = 900
LABEL_MAX = 40
TOP, BAND, GAP = 56, 88, 8  # first band's y, each band's height, space between bands


@dataclass(frozen=True)
class Message:
    sender: str
    receiver: str
    label: str


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    summary: str
    messages: tuple[Message, Message]
    code: tuple[tuple[str, str], ...]  # (repository path, function)


STEPS = (
    Step(
        "sign_in",
        "Sign in",
        "Authorization code flow with PKCE (S256), state and nonce. The access token asks "
        "for read:accounts only; the ID token says who you are and how you authenticated.",
        (
            Message("web", "idp", "authorize: openid read:accounts, PKCE"),
            Message("idp", "web", "code → ID token + access token"),
        ),
        (
            ("oidc_client/views.py", "login_view"),
            ("oidc_client/provider.py", "start"),
            ("oidc_client/provider.py", "finish"),
            ("oidc_client/session.py", "sign_in_store"),
        ),
    ),
    Step(
        "read_accounts",
        "See your accounts (read:accounts)",
        "Every page asks the bank's API over HTTP with the sign-in access token; the API "
        "checks signature, issuer, audience, expiry and scope on every request.",
        (
            Message("web", "api", "GET /api/accounts, Bearer read:accounts"),
            Message("api", "web", "your accounts, nobody else's"),
        ),
        (
            ("accounts/views.py", "dashboard"),
            ("accounts/api_client.py", "call"),
            ("api_auth/decorators.py", "token_required"),
        ),
    ),
    Step(
        "step_up",
        "Step up with MFA",
        "Opening the transfer page sends you back to the identity provider for "
        "transfer:funds with acr_values (the MFA policy). It always asks for a one-time code; "
        "it asks for your password again only when its session is older than "
        "DEVIDP_REAUTH_AFTER (15 minutes), as an Auth0 Action's MFA challenge does, which is "
        "why Fabrikam does not send max_age=0. The callback checks the same sub, a second "
        "factor and a fresh auth_time: the code's own time, which the API checks too.",
        (
            Message("web", "idp", "authorize: transfer:funds, MFA"),
            Message("idp", "web", "one-time code → elevated token"),
        ),
        (
            ("oidc_client/stepup.py", "step_up_required"),
            ("devidp/policy.py", "outstanding_steps"),
            ("oidc_client/stepup.py", "complete"),
            ("transfers/views.py", "transfer_new"),
        ),
    ),
    Step(
        "push",
        "Or approve on your phone",
        "With a paired phone (the identity provider's account page pairs one by QR code), "
        "the step-up can be a push instead of a code: the browser shows a two-digit number, "
        "the phone shows who asks and for what, and you tap that number; the phone signs "
        "its answer with a key that never leaves it. Three declines in a row pause push "
        "for 15 minutes. The token's amr says swk and mca (a key, on a second channel): "
        "multi-factor, never phishing-resistant, since a look-alike page can relay a number.",
        (
            Message("idp", "web", "phone: tap the number shown here"),
            Message("idp", "web", "signed approval → elevated token"),
        ),
        (
            ("devidp/phone.py", "device_pair"),
            ("devidp/push.py", "push_send"),
            ("devidp/push.py", "push_answer"),
            ("devidp/views/push.py", "push_step"),
        ),
    ),
    Step(
        "single_use",
        "A single-use transfer token",
        "The elevated token is taken out of the session and sent once. The API demands a "
        "recent second factor and spends the token in the same database transaction as the "
        "transfer, so a replay is refused.",
        (
            Message("web", "api", "POST /api/transfers, elevated token"),
            Message("api", "web", "201 sent; the same token again → 401"),
        ),
        (
            ("transfers/views.py", "transfer_confirm"),
            ("transfers/client.py", "transfer_send"),
            ("oidc_client/session.py", "elevated_token_take"),
            ("api_auth/decorators.py", "recent_mfa_required"),
            ("transfers/api.py", "transfers_create"),
            ("api_auth/single_use.py", "single_use"),
        ),
    ),
    Step(
        "approve_payment",
        "Approve exactly this payment",
        "A payment at or above the approval threshold, or to someone you have never paid, is "
        "approved as that payment: the web app pushes its amount and payee (RFC 9396 "
        "authorization_details, pushed with RFC 9126 PAR), the identity provider shows them "
        "and asks for your code, and the API refuses any request that differs in a field.",
        (
            Message("web", "idp", "PAR: authorization_details → request_uri"),
            Message("idp", "web", "approved → token carrying these details"),
        ),
        (
            ("transfers/views.py", "_ask_provider"),
            ("oidc_client/provider.py", "_pushed"),
            ("api_auth/authorization_details.py", "details_check"),
            ("transfers/services.py", "approval_required"),
        ),
    ),
    Step(
        "web_step_up",
        "Web step-up from the ID token",
        "Statements need no API scope, only proof in the ID token: amr contains mfa (or acr "
        "is the MFA policy) and auth_time is within the window. A transfer's step-up counts: "
        "its new ID token's amr and auth_time replace the session's. Otherwise the same kind "
        "of authorization request, with no extra scope, brings you back to the page.",
        (
            Message("web", "idp", "authorize: openid, MFA"),
            Message("idp", "web", "ID token: amr=mfa, fresh auth_time"),
        ),
        (
            ("oidc_client/stepup.py", "satisfied"),
            ("oidc_client/session.py", "id_claims_update"),
            ("accounts/views.py", "account_statement"),
        ),
    ),
    Step(
        "someone_else_asks",
        "Payments someone else asks for",
        "An assistant (an agent, a call centre) has no browser of yours: it asks the "
        "identity provider over the back channel (OpenID CIBA, poll mode) with the payment "
        "as authorization_details and a short code; your phone shows that payment and the "
        "code; once you approve, its token can pay exactly that, once. Try it: make "
        "assistant-pay USER=alice@fabrikam.example TO=1000000021 AMOUNT=42.00.",
        (
            Message("web", "idp", "assistant: CIBA request + payment"),
            Message("web", "api", "approved on phone → POST transfer"),
        ),
        (
            ("transfers/assistant.py", "assistant_pay"),
            ("devidp/ciba.py", "BackchannelAuthenticationEndpoint"),
            ("devidp/ciba.py", "CibaGrant"),
            ("api_auth/authorization_details.py", "details_check"),
        ),
    ),
)

# Where each session position puts the reader: the steps behind them, and the one(s) now.
PROGRESS = {
    "signed_out": ((), ("sign_in",)),
    "signed_in": (("sign_in",), ("read_accounts",)),
    "elevated": (("sign_in", "read_accounts", "step_up"), ("single_use",)),
    "approved": (("sign_in", "read_accounts", "step_up", "approve_payment"), ("single_use",)),
    "web_step_up": (("sign_in", "read_accounts"), ("web_step_up",)),
}
POSITION_TEXT = {
    "signed_out": "You are signed out: the flow starts with signing in.",
    "signed_in": "You are signed in with read:accounts: you can see your accounts.",
    "elevated": "You hold an elevated transfer:funds token: it will be spent by one transfer.",
    "approved": "You hold a token that approves one exact payment: it can send only that.",
    "web_step_up": "Your ID token shows a recent second factor: statements are open.",
}


@dataclass(frozen=True)
class DrawnMessage:
    x1: int
    x2: int
    y: int
    label: str
    label_x: int


@dataclass(frozen=True)
class DrawnStep:
    number: int
    step: Step
    state: str  # "done", "current" or "todo"
    y: int
    height: int
    messages: tuple[DrawnMessage, ...]


def drawn_steps(position: str) -> list[DrawnStep]:
    done, current = PROGRESS[position]
    drawn = []
    for index, step in enumerate(STEPS):
        y = TOP + index * (BAND + GAP)
        state = "current" if step.key in current else "done" if step.key in done else "todo"
        messages = tuple(
            DrawnMessage(
                x1=LANES[message.sender],
                # Stop short of the lifeline so the arrowhead stays visible.
                x2=LANES[message.receiver]
                + (-6 if LANES[message.receiver] > LANES[message.sender] else 6),
                y=y + 50 + 26 * offset,
                label=message.label,
                label_x=(LANES[message.sender] + LANES[message.receiver]) // 2,
            )
            for offset, message in enumerate(step.messages)
        )
        drawn.append(DrawnStep(index + 1, step, state, y, BAND, messages))
    return drawn


def lanes() -> list[tuple[int, str]]:
    return [(x, LANE_NAMES[name]) for name, x in LANES.items()]


def diagram_height() -> int:
    return TOP + len(STEPS) * (BAND + GAP) + 10
