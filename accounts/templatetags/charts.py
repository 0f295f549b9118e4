"""`{% balance_sparkline transactions %}`: an inline SVG of the balances on a history page."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.sparkline import sparkline

register = template.Library()


@register.inclusion_tag("accounts/_sparkline.html")
def balance_sparkline(transactions: list[dict[str, Any]], currency: str = "USD") -> dict:
    # The API pages newest first; a chart reads left to right, oldest first.
    balances = [entry["balance_after"] for entry in reversed(transactions)]
    return {"line": sparkline(balances), "currency": currency}
