"""The demo IdP is removable: nothing outside `devidp/` (and its tests) imports it."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

IMPORT = re.compile(r"^\s*(from|import)\s+devidp\b", re.MULTILINE)


def test_no_module_outside_the_app_imports_it():
    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not {"devidp", ".venv", "node_modules"} & set(path.relative_to(root).parts)
        and IMPORT.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []
