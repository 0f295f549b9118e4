"""The demo IdP is removable and self-contained: nothing outside `devidp/` imports it, and it
reads no host setting but its own DEVIDP_* ones (and Django's), all in one module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import global_settings, settings
from django.urls import get_resolver
from jose import jwt

from devidp.models import IdpUser

from .conftest import API_AUDIENCE, MFA_POLICY, query, verify_access_token

IMPORT = re.compile(r"^\s*(from|import)\s+devidp\b", re.MULTILINE)
# The host's names for the API audience and the MFA policy, old and new.
HOST_AUDIENCE_SETTINGS = ("AUTH0_AUDIENCE", "API_AUDIENCE", "OIDC_AUDIENCE")
HOST_SETTINGS_IT_ONCE_READ = (*HOST_AUDIENCE_SETTINGS, "MFA_POLICY")
DJANGO_SETTINGS = frozenset(name for name in dir(global_settings) if name.isupper())


def devidp_modules() -> list[Path]:
    app = Path(settings.BASE_DIR) / "devidp"
    return sorted(path for path in app.rglob("*.py") if "migrations" not in path.parts)


def settings_read(tree: ast.AST) -> list[str]:
    """Every setting a module reads: `settings.X` and `getattr(settings, "X", ...)`.

    A getattr with a computed name is reported as `<dynamic>`: a name nobody can check.
    """
    names = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "settings"
        ):
            names.append(node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
        ):
            name = node.args[1] if len(node.args) > 1 else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                names.append(name.value)
            else:
                names.append("<dynamic>")
    return names


def imports_django_settings(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "django.conf"
        and any(alias.name == "settings" for alias in node.names)
        for node in ast.walk(tree)
    )


def test_no_module_outside_the_app_imports_it():
    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not {"devidp", ".venv", "node_modules"} & set(path.relative_to(root).parts)
        and IMPORT.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []


def test_it_reads_only_its_own_settings_and_djangos():
    offenders = [
        f"{path.name}: settings.{name}"
        for path in devidp_modules()
        for name in settings_read(ast.parse(path.read_text(encoding="utf-8")))
        if not (name.startswith("DEVIDP_") or name in DJANGO_SETTINGS)
    ]
    assert offenders == []


def test_it_reads_its_settings_in_one_module():
    readers = [
        path.name
        for path in devidp_modules()
        if imports_django_settings(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert readers == ["conf.py"]


def test_the_scan_sees_every_way_of_reading_a_setting():
    tree = ast.parse(
        "settings.AUTH0_AUDIENCE\n"
        "getattr(settings, 'MFA_POLICY', None)\n"
        "getattr(settings, 'DEVIDP_' + name)\n"
    )
    assert settings_read(tree) == ["AUTH0_AUDIENCE", "MFA_POLICY", "<dynamic>"]


@pytest.mark.django_db
def test_it_signs_in_with_mfa_when_the_host_has_none_of_its_old_settings(settings, rp):
    assert get_resolver().url_patterns  # the host reads these on import: load it first
    for name in HOST_SETTINGS_IT_ONCE_READ:
        if hasattr(settings, name):
            delattr(settings, name)
    alice = IdpUser.objects.get(sub="devidp|alice")

    tokens = rp.login(alice, scope="openid transfer:funds", acr_values=MFA_POLICY)

    claims = verify_access_token(tokens["access_token"])
    assert claims["aud"] == API_AUDIENCE
    assert claims["acr"] == MFA_POLICY


@pytest.mark.django_db
def test_access_tokens_are_for_the_audience_devidp_is_configured_with(settings, rp):
    settings.DEVIDP_AUDIENCE = "https://api.other.example"
    for name in HOST_AUDIENCE_SETTINGS:  # the host's own settings must not matter
        setattr(settings, name, API_AUDIENCE)
    alice = IdpUser.objects.get(sub="devidp|alice")

    refused = rp.authorize(audience=API_AUDIENCE)
    tokens = rp.login(alice, audience="https://api.other.example")

    assert query(refused)["error"] == "invalid_target"
    assert jwt.get_unverified_claims(tokens["access_token"])["aud"] == "https://api.other.example"
