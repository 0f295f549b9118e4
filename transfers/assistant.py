"""The assistant: pays a bill for a customer once the customer approved exactly that payment
on their phone (OpenID CIBA, poll mode, with the payment as RFC 9396 authorization_details).

It stands for an agent or a call centre: a client of its own (`ASSISTANT_CLIENT_ID`), with
no browser and no session of the customer's. It reaches the identity provider only over
HTTP, at the endpoints its discovery document names, so it works against any CIBA-capable
issuer; and the bank's API only with the token the approval produced, which the API spends
on this one transfer. `make assistant-pay` runs it (`manage.py assistant_pay`).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from accounts.api_client import api_url
from accounts.models import Account, Customer
from accounts.selectors import mask_name, payee_lookup

from .services import APPROVAL_TYPE

CIBA_GRANT_TYPE = "urn:openid:params:grant-type:ciba"
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
REQUESTED_EXPIRY = 120
SLOW_DOWN_STEP = 5  # CIBA Core section 11: at least five more seconds after slow_down


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
    client_id, secret = settings.ASSISTANT_CLIENT_ID, settings.ASSISTANT_CLIENT_SECRET
    if not secret:
        raise AssistantFailed("The assistant has no client secret (ASSISTANT_CLIENT_SECRET).")
    code = binding_code()
    try:
        started = http.post(
            document["backchannel_authentication_endpoint"],
            data={
                "scope": "openid transfer:funds",
                "login_hint": customer.email,
                "binding_message": code,
                "acr_values": MFA_ACR,
                "authorization_details": json.dumps(details),
                "requested_expiry": str(REQUESTED_EXPIRY),
            },
            auth=(client_id, secret),
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
        auth=(client_id, secret),
        who=first_name,
        progress=progress,
        sleep=sleep,
        timeout=timeout,
    )
    return _pay(http, token, bill, source, payee, idempotency_key, timeout)


@sensitive_variables("auth")
def _poll(
    http: requests.Session,
    token_endpoint: str,
    answer: dict,
    *,
    auth: tuple[str, str],
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
            response = http.post(
                token_endpoint,
                data={"grant_type": CIBA_GRANT_TYPE, "auth_req_id": answer["auth_req_id"]},
                auth=auth,
                timeout=timeout,
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
    bill: Bill,
    source: Account,
    payee: str,
    idempotency_key: str,
    timeout: float,
) -> Receipt:
    try:
        response = http.post(
            api_url("transfers"),
            json={
                "source": source.number,
                "destination": bill.destination,
                "amount": f"{bill.amount:.2f}",
                "memo": bill.memo,
            },
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": idempotency_key},
            timeout=timeout,
        )
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise AssistantFailed(
            "The bank's API did not answer; check the account before retrying."
        ) from exc
    if response.status_code != 201:
        detail = body.get("detail") if isinstance(body, dict) else None
        raise AssistantFailed(f"The bank refused the transfer: {detail or response.status_code}.")
    return Receipt(transfer=body["transfer"], payee=payee, source_name=source.get_kind_display())
