"""Reads about a customer's transfers."""

from __future__ import annotations

from accounts.models import Account, Customer

from .models import Transfer


def payee_known(*, customer: Customer, number: str) -> bool:
    """Is this account number one of the customer's own accounts, or one they completed a
    transfer to before? Either way the payee is no stranger (`services.approval_required`)."""
    if Account.objects.filter(customer=customer, number=number).exists():
        return True
    return Transfer.objects.filter(
        customer=customer, destination_number=number, status=Transfer.Status.COMPLETED
    ).exists()
