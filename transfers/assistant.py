"""The assistant: pays a bill for a customer once the customer approved exactly that payment
on their phone (OpenID CIBA, poll mode, with the payment as RFC 9396 authorization_details).

It stands for an agent or a call centre: a client of its own (`ASSISTANT_CLIENT_ID`), with
no browser and no session of the customer's. It reaches the identity provider only over
HTTP, at the endpoints its discovery document names, so it works against any CIBA-capable
issuer; and the bank's API only with the token the approval produced, which the API spends
on this one transfer. `make assistant-pay` runs it (`manage.py assistant_pay`).

In the FAPI 2.0 profile (OIDC_PROFILE=fapi2) it authenticates with `private_key_jwt`
(RFC 7523, its own key in ASSISTANT_CLIENT_KEY_FILE, demo-only in development) instead of
a secret, and holds a DPoP key of its own (RFC 9449) made for this one payment: the token
request carries a proof (sent again with the server's nonce when asked, section 8), the
token comes back bound to that key (`cnf.jkt`), and the API call carries
`Authorization: DPoP` with a proof bound to the token (`ath`). The proofs are made by
`oidc_client.dpop`, which the bank already depends on; the assertion here, as the web
client's signs with the web client's key.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from accounts.api_client import api_url
from accounts.models import Account, Customer
from accounts.selectors import mask_name, payee_lookup
from oidc_client import dpop

from .services import APPROVAL_TYPE

CIBA_GRANT_TYPE = "urn:openid:params:grant-type:ciba"
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
REQUESTED_EXPIRY = 120
SLOW_DOWN_STEP = 5  # CIBA Core section 11: at least five more seconds after slow_down
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 60  # seconds: one request's worth


class AssistantFailed(Exception):
    """The payment was not made; the message says why, and that nothing moved."""


@dataclass(frozen=True)
class Bill:
    email: str
    destination: str
    amount: Decimal
    memo: str


@dataclass(frozen=True)
class Receipt:
    transfer: dict
    payee: str
    source_name: str


def _customer(email: str) -> tuple[Customer, Account]:
    customer = Customer.objects.filter(email__iexact=email.strip()).first()
    if customer is None:
        raise AssistantFailed(f"No Fabrikam customer has the address {email}.")
    source = (
        customer.accounts.filter(kind=Account.Kind.CHECKING, status=Account.Status.OPEN)
        .order_by("number")
        .first()
    )
    if source is None:
        raise AssistantFailed(f"{customer.name or email} has no open checking account to pay from.")
    return customer, source


def _discovery(http: requests.Session, timeout: float) -> dict:
    issuer = (settings.OIDC_ISSUER or "").rstrip("/")
    if not issuer:
        raise AssistantFailed("No identity provider is configured (OIDC_ISSUER).")
    try:
        document = http.get(issuer + "/.well-known/openid-configuration", timeout=timeout).json()
    except (requests.RequestException, ValueError) as exc:
        raise AssistantFailed("The identity provider cannot be reached.") from exc
    if not isinstance(document, dict) or "poll" not in document.get(
        "backchannel_token_delivery_modes_supported", []
    ):
        raise AssistantFailed("The identity provider does not offer CIBA in poll mode.")
    return document


@dataclass
class Credentials:
    """How the assistant proves who it is at the IdP, and the DPoP key it holds (fapi2)."""

    client_id: str
    issuer: str
    secret: str = field(default="", repr=False)
    key: ECKey | None = field(default=None, repr=False)  # private_key_jwt, ES256
    dpop_key: ECKey | None = field(default=None, repr=False)

    @sensitive_variables()
    def sign(self, data: dict[str, str]) -> tuple[dict[str, str], tuple[str, str] | None]:
        """The form with this client's assertion, or the form and HTTP Basic credentials."""
        if self.key is None:
            return data, (self.client_id, self.secret)
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            # FAPI 2.0 section 5.3.2.1: the issuer identifier as the audience, alone.
            "aud": self.issuer,
            "jti": secrets.token_urlsafe(24),
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
        }
        header = {"alg": "ES256", "kid": self.key.kid, "typ": "JWT"}
        assertion = jwt.encode(header, claims, self.key, algorithms=["ES256"])
        return {
            **data,
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }, None


def _assistant_key(path: str | None) -> ECKey:
    """The assistant's private key, a P-256 JWK (JSON) or PEM, from ASSISTANT_CLIENT_KEY_FILE.
    Errors name the setting, never the key."""
    if not path:
        raise AssistantFailed(
            "The fapi2 profile needs the assistant's key (ASSISTANT_CLIENT_KEY_FILE)."
        )
    try:
        text = Path(path).read_text().strip()
    except OSError as exc:
        raise AssistantFailed("ASSISTANT_CLIENT_KEY_FILE cannot be read.") from exc
    try:
        key = ECKey.import_key(json.loads(text) if text.startswith("{") else text)
    except (JoseError, ValueError, TypeError) as exc:
        raise AssistantFailed("ASSISTANT_CLIENT_KEY_FILE holds no EC private key.") from exc
    if not key.is_private or key.curve_name != "P-256":
        raise AssistantFailed("ASSISTANT_CLIENT_KEY_FILE must hold a P-256 private key.")
    if not key.kid:
        key = ECKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint()})
    return key


@sensitive_variables("secret")
def credentials(issuer: str) -> Credentials:
    """The assistant's credentials for the bank's profile: a secret, or (fapi2) its key and
    a fresh DPoP key."""
    client_id = settings.ASSISTANT_CLIENT_ID
    if settings.OIDC_PROFILE == "fapi2":
        key = _assistant_key(settings.ASSISTANT_CLIENT_KEY_FILE)
        dpop_key = ECKey.generate_key("P-256", private=True)
        return Credentials(client_id=client_id, issuer=issuer, key=key, dpop_key=dpop_key)
    secret = settings.ASSISTANT_CLIENT_SECRET
    if not secret:
        raise AssistantFailed("The assistant has no client secret (ASSISTANT_CLIENT_SECRET).")
    return Credentials(client_id=client_id, issuer=issuer, secret=secret)


def _proof_headers(
    creds: Credentials, url: str, nonce: str | None, access_token: str | None = None
) -> dict[str, str]:
    if creds.dpop_key is None:
        return {}
    proof = dpop.proof(
        creds.dpop_key, method="POST", url=url, access_token=access_token, nonce=nonce
    )
    return {"DPoP": proof}


def _post(
    http: requests.Session,
    url: str,
    creds: Credentials,
    data: dict[str, str],
    timeout: float,
) -> requests.Response:
    """A back-channel POST, authenticated; with a DPoP proof in fapi2, made once more with
    the server's nonce when it answers `use_dpop_nonce` (RFC 9449 section 8)."""
    server = dpop.server_of(url)

    def once() -> requests.Response:
        form, auth = creds.sign(data)  # a fresh assertion each time: its jti is spent
        headers = _proof_headers(creds, url, dpop.nonce_for(server))
        response = http.post(url, data=form, auth=auth, headers=headers, timeout=timeout)
        dpop.nonce_remember(server, response)
        return response

    response = once()
    if creds.dpop_key is not None and dpop.nonce_demanded(response):
        response = once()
    return response


def binding_code() -> str:
    """A short code the customer sees on the phone and the assistant says out loud."""
    return f"FAB-{secrets.randbelow(10_000):04d}"


def _error(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return str(body.get("error", "")), str(body.get("error_description", ""))


@sensitive_variables("secret", "token")
def assistant_pay(
    bill: Bill,
    *,
    say: Callable[[str], None],
    progress: Callable[[str], None],
    sleep: Callable[[float], None] | None = None,
    http: requests.Session | None = None,
) -> Receipt:
    """Ask the customer to approve the bill on their phone, wait, then pay it with the token.

    Raises AssistantFailed (declined, expired, refused): nothing was sent then.
    """
    http = http or requests.Session()
    sleep = sleep or time.sleep
    timeout = settings.API_TIMEOUT
    customer, source = _customer(bill.email)
    payee_account = payee_lookup(number=bill.destination)
    if payee_account is None:
        raise AssistantFailed(f"No open account has the number {bill.destination}.")
    payee = mask_name(payee_account.customer.name)
    idempotency_key = str(uuid.uuid4())
    details = [
        {
            "type": APPROVAL_TYPE,
            "amount": f"{bill.amount:.2f}",
            "currency": settings.CURRENCY,
            "source": source.number,
            "source_name": source.get_kind_display(),
            "destination": bill.destination,
            "payee": payee,
            "idempotency_key": idempotency_key,
            # What the payee will read is part of what Alice approves (issue 22).
            "memo": bill.memo,
        }
    ]
    document = _discovery(http, timeout)
    creds = credentials(str(document.get("issuer") or settings.OIDC_ISSUER))
    code = binding_code()
    try:
        form, auth = creds.sign(
            {
                "scope": "openid transfer:funds",
                "login_hint": customer.email,
                "binding_message": code,
                "acr_values": MFA_ACR,
                "authorization_details": json.dumps(details),
                "requested_expiry": str(REQUESTED_EXPIRY),
            }
        )
        started = http.post(
            document["backchannel_authentication_endpoint"],
            data=form,
            auth=auth,
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise AssistantFailed("The identity provider cannot be reached. Nothing was sent.") from exc
    if started.status_code != 200:
        error, description = _error(started)
        raise AssistantFailed(
            f"The identity provider refused the request ({error or started.status_code}): "
            f"{(description or 'no reason given').rstrip('.')}. Nothing was sent."
        )
    answer = started.json()
    first_name = (customer.name or customer.email).split()[0]
    say(f"Waiting for {first_name} to approve on their phone (code {code})…")
    token = _poll(
        http,
        document["token_endpoint"],
        answer,
        creds=creds,
        who=first_name,
        progress=progress,
        sleep=sleep,
        timeout=timeout,
    )
    return _pay(http, token, creds, bill, source, payee, idempotency_key, timeout)


def _poll(
    http: requests.Session,
    token_endpoint: str,
    answer: dict,
    *,
    creds: Credentials,
    who: str,
    progress: Callable[[str], None],
    sleep: Callable[[float], None],
    timeout: float,
) -> str:
    """CIBA section 10: poll at `interval`, five seconds slower after each slow_down."""
    interval = int(answer.get("interval", 5))
    expires_in = int(answer["expires_in"])
    waited = 0
    while True:
        sleep(interval)
        waited += interval
        try:
            response = _post(
                http,
                token_endpoint,
                creds,
                {"grant_type": CIBA_GRANT_TYPE, "auth_req_id": answer["auth_req_id"]},
                timeout,
            )
        except requests.RequestException as exc:
            raise AssistantFailed(
                "The identity provider cannot be reached. Nothing was sent."
            ) from exc
        if response.status_code == 200:
            progress(f"  approved after {waited} s")
            return response.json()["access_token"]
        error, _description = _error(response)
        if error == "authorization_pending":
            left = max(expires_in - waited, 0)
            progress(f"  still waiting: {waited} s so far, the request expires in {left} s")
            continue
        if error == "slow_down":
            interval += SLOW_DOWN_STEP
            progress(f"  asked to slow down: polling every {interval} s")
            continue
        if error == "access_denied":
            raise AssistantFailed(f"{who} declined on their phone. Nothing was sent.")
        if error == "expired_token":
            raise AssistantFailed(
                f"The request expired before {who} approved it. Nothing was sent."
            )
        raise AssistantFailed(f"The identity provider refused ({error}). Nothing was sent.")


@sensitive_variables("token")
def _pay(
    http: requests.Session,
    token: str,
    creds: Credentials,
    bill: Bill,
    source: Account,
    payee: str,
    idempotency_key: str,
    timeout: float,
) -> Receipt:
    url = api_url("transfers")
    server = dpop.server_of(url)
    payment = {
        "source": source.number,
        "destination": bill.destination,
        "amount": f"{bill.amount:.2f}",
        "memo": bill.memo,
    }
    try:
        # The API may ask for its nonce first (RFC 9449 section 9, a 401 that spends
        # nothing); the retry has a new proof and the same Idempotency-Key.
        for _attempt in range(1 if creds.dpop_key is None else 2):
            if creds.dpop_key is None:
                headers = {"Authorization": f"Bearer {token}"}
            else:
                # Section 7.1: the DPoP scheme, with a proof bound to this token (`ath`).
                proof = _proof_headers(creds, url, dpop.nonce_for(server), token)
                headers = {"Authorization": f"DPoP {token}", **proof}
            response = http.post(
                url,
                json=payment,
                headers={**headers, "Idempotency-Key": idempotency_key},
                timeout=timeout,
            )
            dpop.nonce_remember(server, response)
            if not dpop.nonce_demanded(response):
                break
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise AssistantFailed(
            "The bank's API did not answer; check the account before retrying."
        ) from exc
    if response.status_code != 201:
        detail = body.get("detail") if isinstance(body, dict) else None
        raise AssistantFailed(f"The bank refused the transfer: {detail or response.status_code}.")
    return Receipt(transfer=body["transfer"], payee=payee, source_name=source.get_kind_display())
