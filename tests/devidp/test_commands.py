"""The management commands: seed (idempotent), print a TOTP code, rotate the key."""

from __future__ import annotations

from io import StringIO

import pyotp
import pytest
from django.core.management import CommandError, call_command

from devidp import keys
from devidp.models import Client, IdpUser, SigningKey

from .conftest import CLIENT_SECRET, REDIRECT_URI

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seeding_creates_the_demo_users_and_client_and_is_idempotent():
    output = run("devidp_seed")
    run("devidp_seed")

    assert IdpUser.objects.count() == 3
    alice = IdpUser.objects.get(email="alice@fabrikam.example")
    assert (alice.sub, alice.name) == ("devidp|alice", "Alice Ng")
    assert alice.check_password("fabrikam-demo")
    assert alice.has_totp
    assert IdpUser.objects.get(email="bob@fabrikam.example").sub == "devidp|bob"
    assert IdpUser.objects.get(email="charlie@fabrikam.example").name == "Charlie Haas"
    client = Client.objects.get(client_id="fabrikam-web")
    assert client.client_id == "fabrikam-web"
    assert client.check_client_secret(CLIENT_SECRET)
    assert client.check_redirect_uri(REDIRECT_URI)
    assert "alice@fabrikam.example" in output
    assert CLIENT_SECRET not in output


def test_seeding_takes_redirect_uris_from_settings(settings):
    settings.DEVIDP_REDIRECT_URIS = ["http://127.0.0.1:8100/callback"]
    run("devidp_seed")
    client = Client.objects.get(client_id="fabrikam-web")
    assert client.check_redirect_uri("http://127.0.0.1:8100/callback")
    assert not client.check_redirect_uri(REDIRECT_URI)


def test_seeding_leaves_a_second_run_with_the_same_password_hash():
    run("devidp_seed")
    first = IdpUser.objects.get(sub="devidp|alice").password
    run("devidp_seed")
    assert IdpUser.objects.get(sub="devidp|alice").password == first


def test_devidp_totp_prints_the_current_code(demo):
    alice = IdpUser.objects.get(sub="devidp|alice")
    code = run("devidp_totp", "alice@fabrikam.example").strip()
    assert pyotp.TOTP(alice.totp_secret).verify(code, valid_window=1)


def test_devidp_totp_explains_an_unknown_user(db):
    with pytest.raises(CommandError, match="No demo IdP user"):
        run("devidp_totp", "nobody@fabrikam.example")


def test_devidp_rotate_key_retires_the_active_key(db):
    run("devidp_rotate_key")
    run("devidp_rotate_key")
    assert SigningKey.objects.count() == 2 * len(keys.ALGORITHMS)  # one per algorithm
    assert SigningKey.objects.filter(retired_at__isnull=True).count() == len(keys.ALGORITHMS)


def test_seeding_registers_the_assistant_for_ciba_only():
    run("devidp_seed")
    assistant = Client.objects.get(client_id="fabrikam-assistant")
    assert assistant.check_client_secret("demo-only-fabrikam-assistant-secret")
    assert assistant.grant_types == "urn:openid:params:grant-type:ciba"
    assert not assistant.check_grant_type("authorization_code")
    assert not assistant.check_redirect_uri("http://localhost:8000/callback")
