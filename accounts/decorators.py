"""The bank's own API decorator: who the token's subject is among our customers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpResponse

from api_auth.decorators import TokenRequest

from .errors import ApplicationError
from .models import Customer
from .services import BANK_SUB_PREFIX, customer_provision

View = Callable[..., HttpResponse]


class CustomerRequest(TokenRequest):
    """The request a `customer_required` view receives (for type checkers)."""

    customer: Customer


def customer_required(view: View) -> View:
    """Set `request.customer`, provisioned on first sight of the token's (`iss`, `sub`).

    Use under `api_auth.decorators.token_required`: authentication and provisioning are
    two steps, so a copied guard never opens bank accounts.
    """

    @wraps(view)
    def wrapper(request: CustomerRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.token
        if token.sub.startswith(BANK_SUB_PREFIX):
            # The bank's own records (its clearing account, the demo businesses) are not
            # anyone's to act as, whatever an identity provider puts in `sub`.
            raise SubjectReserved("This subject is reserved for the bank's own records.")
        request.customer = customer_provision(
            issuer=token.iss,
            sub=token.sub,
            name=_str_claim(token.claims, "name", max_length=200),
            email=_str_claim(token.claims, "email", max_length=254),
        )
        return view(request, *args, **kwargs)

    return wrapper


class SubjectReserved(ApplicationError):
    code = "subject_reserved"
    status = 403


def _str_claim(claims: Mapping[str, Any], name: str, *, max_length: int) -> str:
    # Access tokens rarely carry profile claims; when they do, they only seed a new customer.
    value = claims.get(name)
    return value[:max_length] if isinstance(value, str) else ""
