"""Reads about a customer's transfers."""

from __future__ import annotations

from accounts.models import Customer

from .models import Transfer


def payee_known(*, customer: Customer, number: str) -> bool:
    """Has the customer completed a transfer to this account number before?"""
    return Transfer.objects.filter(
        customer=customer, destination_number=number, status=Transfer.Status.COMPLETED
    ).exists()
