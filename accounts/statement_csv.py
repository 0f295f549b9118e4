"""A statement as CSV, built in the web app from the API's JSON (amounts stay decimal strings)."""

from __future__ import annotations

import calendar
import csv
import io
import re
import unicodedata
from typing import Any

HEADER = ["Date", "Description", "Counterparty", "Counterparty account", "Amount", "Balance"]
# A spreadsheet runs a cell that starts with one of these as a formula; a memo is typed by
# whoever sent the money, so it must never become one (OWASP "CSV injection"). Spreadsheets
# skip leading blanks and invisible characters, and some read the fullwidth = + - @ as the
# ASCII ones, so the check looks past the first and matches the second.
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# What is looked past: spaces, line and paragraph separators, control and format
# (zero-width) characters.
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}
# What a spreadsheet may split one cell on when it opens the file (its list separator, or
# the import dialog's choice): every piece after one is a cell start of its own.
SEPARATORS = (";", ",", "|", "\t")
_SEPARATED = re.compile("([" + re.escape("".join(SEPARATORS)) + "])")


def _opens_formula(piece: str) -> bool:
    first = next((c for c in piece if unicodedata.category(c) not in _INVISIBLE), "")
    return first in FORMULA_STARTS


def _text(value: str) -> str:
    """The cell's text, with a `'` in front of the cell, and of each piece after a
    separator, that a spreadsheet could read as a formula."""
    pieces = _SEPARATED.split(value)  # text, separator, text, ...: the texts at even places
    cell = "".join(
        "'" + piece if index % 2 == 0 and _opens_formula(piece) else piece
        for index, piece in enumerate(pieces)
    )
    if cell.startswith(("\t", "\r")):
        return "'" + cell
    return cell


def _last_day(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def statement_rows(statement: dict[str, Any]) -> list[list[str]]:
    """Opening balance, one row per entry (oldest first), then the totals and the closing
    balance, so the file reconciles on its own."""
    month = statement["month"]
    rows = [[f"{month}-01", "Opening balance", "", "", "", statement["opening_balance"]]]
    for entry in statement["entries"]:
        rows.append(
            [
                entry["created_at"][:10],
                _text(entry["memo"] or "Transfer"),
                _text(entry["counterparty"]),
                _text(entry["counterparty_account"]),
                entry["amount"],
                entry["balance_after"],
            ]
        )
    rows += [
        ["", "Total money in", "", "", statement["total_in"], ""],
        ["", "Total money out", "", "", f"-{statement['total_out']}", ""],
        [_last_day(month), "Closing balance", "", "", "", statement["closing_balance"]],
    ]
    return rows


def statement_csv(statement: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 line endings
    writer.writerow(HEADER)
    writer.writerows(statement_rows(statement))
    return buffer.getvalue()


def statement_filename(statement: dict[str, Any]) -> str:
    return f"fabrikam-{statement['account']['number']}-{statement['month']}.csv"
