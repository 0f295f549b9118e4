"""Dependencies run one way, read from every module's imports (the AST, not a regex):

- the two copyable apps import nothing of the bank, the project, the demo IdP or each
  other, and reach their own modules by relative imports only;
- `accounts` never imports `transfers`; the bank never imports the project package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROJECT_PACKAGES = {
    "accounts",
    "transfers",
    "guide",
    "fabrikam",
    "devidp",
    "oidc_client",
    "api_auth",
}


def imported_packages(path: Path) -> set[str]:
    """Top-level names of the project's packages that `path` imports, absolutely."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & PROJECT_PACKAGES


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("app", ["oidc_client", "api_auth"])
def test_a_copyable_app_imports_only_itself_and_only_relatively(app):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path))
        for path in modules(app)
        if imported_packages(path)
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("accounts", {"transfers", "guide", "fabrikam", "devidp"}),
        ("transfers", {"guide", "fabrikam", "devidp"}),
        ("guide", {"fabrikam", "devidp"}),
    ],
)
def test_the_bank_depends_one_way(package, forbidden):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & forbidden)
        for path in modules(package)
        if imported_packages(path) & forbidden
    }
    assert offenders == {}


def test_the_checker_sees_an_absolute_import(tmp_path):
    # The rule above is only as good as the parser: an import it missed would pass silently.
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from accounts.models import Account\nimport fabrikam.urls\n")
    assert imported_packages(module) == {"accounts", "fabrikam"}


@pytest.mark.parametrize("app", ["oidc_client", "api_auth"])
def test_a_copyable_app_reads_its_settings_in_one_place(app):
    readers = [
        str(path.relative_to(ROOT))
        for path in modules(app)
        if path.name != "conf.py" and "django.conf" in imported_modules(path)
    ]
    assert readers == []


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
    }
