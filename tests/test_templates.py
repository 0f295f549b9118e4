"""Every site template keeps to the strict Content-Security-Policy: no inline script or style."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

INLINE = re.compile(r"<script|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def test_no_site_template_has_an_inline_script_style_or_event_handler():
    templates = sorted(Path(settings.BASE_DIR, "templates").rglob("*.html"))

    assert templates
    offenders = [str(path) for path in templates if INLINE.search(path.read_text())]
    assert offenders == []


# --- templates/form_field.html: errors tied to their fields ------------------------------

ACCOUNTS = [
    {
        "number": "1000000011",
        "kind": "checking",
        "currency": "USD",
        "balance": "120.00",
        "status": "open",
    },
    {
        "number": "1000000012",
        "kind": "savings",
        "currency": "USD",
        "balance": "5.00",
        "status": "open",
    },
]


def transfer_page(data: dict | None) -> str:
    from django.template.loader import render_to_string

    from transfers.forms import TransferForm

    if data is not None:
        data = {"idempotency_key": "a-fresh-key", **data}
    form = TransferForm(data, accounts=ACCOUNTS)
    form.is_valid()
    return render_to_string("transfers/new.html", {"form": form, "accounts": ACCOUNTS})


def element_ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


def tag_of(html: str, name: str) -> str:
    found = re.search(rf'<(?:input|select)[^>]*\bname="{name}"[^>]*>', html)
    assert found is not None
    return found[0]


def test_every_aria_describedby_points_at_an_element_that_exists():
    html = transfer_page({"source": "1000000011", "destination": "12ab", "amount": "500"})

    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described, "Django 5.2 describes inputs by their help text and errors"
    ids = element_ids(html)
    assert {ref for refs in described for ref in refs.split()} <= ids
    assert 'id="id_destination_helptext"' in html and 'id="id_destination_error"' in html
    assert 'aria-describedby="id_amount_error"' in tag_of(html, "amount")


def test_invalid_fields_say_so_and_the_error_summary_takes_the_focus():
    html = transfer_page({"source": "1000000011", "destination": "12ab", "amount": "500"})

    destination, amount = tag_of(html, "destination"), tag_of(html, "amount")
    assert 'aria-invalid="true"' in destination and 'aria-invalid="true"' in amount
    found = re.search(r'<div class="error-summary"[^>]*>', html)
    assert found is not None
    summary = found[0]
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert html.count("autofocus") == 1  # the summary only: it is read out, then its links
    assert "aria-invalid" not in tag_of(html, "memo")


def test_a_failed_submit_titles_the_page_error_and_sums_the_problems_up_with_links():
    html = transfer_page({"source": "1000000011", "destination": "1000000011", "amount": "500"})

    assert "<title>Error: Move money" in html
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found is not None
    summary = found[0]
    assert 'href="#id_destination"' in summary and 'href="#id_amount"' in summary
    assert "available balance of $120.00" in summary  # the over-balance error names it
    assert "out of date" not in summary


def test_a_fresh_form_has_no_error_title_no_summary_and_focuses_its_heading():
    html = transfer_page(None)

    assert "<title>Move money" in html
    assert "error-summary" not in html and "aria-invalid" not in html
    assert re.search(r'<h1 tabindex="-1" autofocus>Move money</h1>', html)
    assert html.count("autofocus") == 1


def test_an_error_with_no_field_to_blame_focuses_the_summary():
    html = transfer_page(
        {"source": "1000000011", "destination": "1000000012", "amount": "1", "idempotency_key": "x"}
    )

    found = re.search(r'<div class="error-summary"[^>]*>', html)
    assert found is not None
    summary = found[0]
    assert 'tabindex="-1"' in summary and "autofocus" in summary
    assert "out of date" in html
