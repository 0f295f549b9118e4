"""Signing-key rotation: new tokens use the new key, old tokens keep verifying for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from devidp import keys
from devidp.models import SigningKey

from .conftest import jwks, verify_access_token, verify_id_token
from .test_code_flow import header

pytestmark = pytest.mark.django_db


def test_rotation_signs_new_tokens_with_a_new_key_and_keeps_the_old_one_published(rp, alice):
    before = rp.login(alice)
    old_kid = header(before["id_token"])["kid"]

    call_command("devidp_rotate_key", stdout=open("/dev/null", "w"))  # noqa: SIM115

    after = rp.login(alice, nonce="after-rotation")
    new_kid = header(after["id_token"])["kid"]
    assert new_kid != old_kid
    assert {old_kid, new_kid} <= {k["kid"] for k in jwks()["keys"]}
    verify_id_token(before["id_token"])
    verify_access_token(before["access_token"])
    verify_id_token(after["id_token"])


def test_a_retired_key_leaves_the_jwks_once_its_tokens_have_expired(db):
    old = keys.signing_key_rotate()
    keys.signing_key_rotate()
    SigningKey.objects.filter(retired_at__isnull=False).update(
        retired_at=timezone.now() - keys.PUBLISH_RETIRED_KEYS_FOR - timedelta(seconds=1)
    )
    assert old.kid not in {k["kid"] for k in jwks()["keys"]}
    assert len(jwks()["keys"]) == len(keys.ALGORITHMS)  # the active key of each algorithm


def test_a_retired_key_outlives_every_token_it_signed():
    assert keys.PUBLISH_RETIRED_KEYS_FOR >= keys.ID_TOKEN_LIFETIME
    assert keys.PUBLISH_RETIRED_KEYS_FOR >= keys.ACCESS_TOKEN_LIFETIME
