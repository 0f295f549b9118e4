"""The admin pages for IdP users, clients and keys, which never show a secret."""

from __future__ import annotations

import pytest

from devidp import keys
from devidp.models import Client, IdpUser, SigningKey

from .conftest import CLIENT_SECRET

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["idpuser", "client", "signingkey", "idpsession", "attemptcounter"]
)
def test_the_admin_lists_the_idps_tables(admin_client, demo, model):
    keys.signing_key()
    assert admin_client.get(f"/admin/devidp/{model}/").status_code == 200


def test_no_admin_page_shows_a_password_hash_totp_secret_or_private_key(admin_client, alice):
    client = Client.objects.get(client_id="fabrikam-web")
    key = SigningKey.objects.get(kid=keys.signing_key().kid)
    pages = [
        admin_client.get(f"/admin/devidp/idpuser/{alice.pk}/change/").content.decode(),
        admin_client.get(f"/admin/devidp/client/{client.pk}/change/").content.decode(),
        admin_client.get(f"/admin/devidp/signingkey/{key.pk}/change/").content.decode(),
    ]
    for page in pages:
        assert alice.password not in page
        assert alice.totp_secret not in page
        assert client.client_secret_hash not in page
        assert CLIENT_SECRET not in page
        assert "PRIVATE KEY" not in page


def test_an_admin_can_set_a_new_client_secret(admin_client, demo):
    client = Client.objects.get(client_id="fabrikam-web")
    response = admin_client.post(
        f"/admin/devidp/client/{client.pk}/change/",
        {
            "client_id": client.client_id,
            "name": client.name,
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
            "allowed_scopes": client.allowed_scopes,
            "new_client_secret": "a-rotated-secret",
        },
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.check_client_secret("a-rotated-secret")
    assert not client.check_client_secret(CLIENT_SECRET)


def test_an_admin_can_add_a_user_who_can_then_sign_in(admin_client, rp):
    response = admin_client.post(
        "/admin/devidp/idpuser/add/",
        {
            "email": "frank@fabrikam.example",
            "name": "Frank Li",
            "sub": "devidp|frank",
            "is_active": "on",
            "new_password": "a perfectly fine pass",
        },
    )
    assert response.status_code == 302
    frank = IdpUser.objects.get(sub="devidp|frank")
    assert frank.check_password("a perfectly fine pass")
    response = rp.sign_in(rp.authorize(), email=frank.email, password="a perfectly fine pass")
    assert "code=" in response["Location"]
