"""Money formatting for templates: amounts arrive from the API as decimal strings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(value: object, currency: str = "USD") -> str:
    """ "-1234.5" -> "-$1,234.50"."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{abs(amount):,.2f}"


@register.filter
def parse_iso(value: str) -> datetime | str:
    """An ISO 8601 timestamp from the API, as a datetime for Django's `date` filter."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
