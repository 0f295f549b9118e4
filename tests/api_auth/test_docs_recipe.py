"""docs/copying.md's recipe for minting a test token works as printed: the guard accepts the
token it mints (this test runs the snippet from the document itself)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from api_auth.tokens import access_token_validate

GUIDE = Path(django_settings.BASE_DIR) / "docs" / "copying.md"
SECTION = "### A test token, minted in your own tests"


def recipe() -> dict:
    after = GUIDE.read_text().split(SECTION, 1)[1]
    code = after.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own document
    return namespace


mint = recipe()["mint"]


@pytest.mark.django_db
def test_the_documented_recipe_mints_a_token_the_guard_accepts(mint):
    token = access_token_validate(token=mint(scope="write:notes"))

    assert token.sub == "user-1"
    assert token.has_scopes("write:notes")
