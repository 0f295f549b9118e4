"""How an amount is written, for the API and the transfer form alike: ASCII digits with at
most two decimal places, read the way a person reads them. The form also reads the amount
as the site itself writes it ("$1,000.00"); the API stays strict (`amount_parse`).

Python's Decimal is more generous: it reads "1_000" as 1000, and fullwidth or Arabic-Indic
digits as if they were ASCII, so a person could be shown one figure while the bank reads
another.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_AMOUNT = Decimal("999999999999.99")  # what the ledger's columns can hold
# Signed and with any number of places, so a near miss gets the message that fits it.
_WRITTEN = re.compile(r"-?[0-9]+(?:\.([0-9]+))?", re.ASCII)
# The site's own format: thousands commas every three digits, as `money` prints them.
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?", re.ASCII)


class AmountInvalid(ValueError):
    """The text is not an amount; the message says what to write instead."""


def amount_parse(text: str) -> Decimal:
    """`"12.5"` -> Decimal("12.50"), or `AmountInvalid` with a message for a person."""
    written = _WRITTEN.fullmatch(text.strip())
    if written is None:
        raise AmountInvalid("Enter an amount such as 12.50, in the digits 0-9.")
    amount = Decimal(written[0])
    if amount <= 0:
        raise AmountInvalid("The amount must be more than zero.")
    if len(written[1] or "") > 2:
        raise AmountInvalid("Use at most two decimal places.")
    if amount > MAX_AMOUNT:
        raise AmountInvalid("That amount is too large.")
    return amount.quantize(Decimal("0.01"))


def amount_read(text: str) -> Decimal:
    """An amount as a person copies it from the site: `"$1,000.00"`, `" 2,500.00 "`,
    `"$ 12.5"`. A leading "$", blanks and thousands commas in the site's format are read;
    a comma anywhere else ("1,00") is refused, since it could be a decimal comma."""
    compact = "".join(text.split())
    if compact.startswith("$"):
        compact = compact[1:]
    if "," in compact:
        if not _GROUPED.fullmatch(compact):
            raise AmountInvalid(
                "Write thousands with a comma every three digits, such as 1,000.00, "
                "and cents after a point."
            )
        compact = compact.replace(",", "")
    elif not _WRITTEN.fullmatch(compact):
        raise AmountInvalid("Enter an amount such as 12.50 or $1,000.00, in the digits 0-9.")
    return amount_parse(compact)
