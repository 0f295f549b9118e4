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
