"""The demo identities and the web app's client, shared by `devidp_seed` and the tests.

Demo-only credentials: they are printed in the README and on the sign-in page.
"""

from __future__ import annotations

from django.db import transaction

from . import conf
from .models import CIBA_GRANT_TYPE, Client, IdpUser

DEMO_CLIENT_NAME = "Fabrikam Bank"
ASSISTANT_CLIENT_NAME = "Fabrikam Assistant"
DEMO_PASSWORD = "fabrikam-demo"  # noqa: S105 - published demo password
# (email, sub, name, TOTP secret). The subs match the bank's `seed_demo` customers.
DEMO_USERS = [
    ("alice@fabrikam.example", "devidp|alice", "Alice Ng", "C6EYB6ZUUPCCTEN6SDF7EEKXRAHZFI3C"),
    ("bob@fabrikam.example", "devidp|bob", "Bob Okafor", "T7QK6PL7BIEQSAF3IANQZMZROCBE5XXN"),
    (
        "charlie@fabrikam.example",
        "devidp|charlie",
        "Charlie Haas",
        "HKWF4GQYLYUNT3YUUKDE6YRABTSSRTYW",
    ),
]


def demo_client_sync() -> Client:
    """Create or update the web app's client from settings (client id, secret, URLs, PAR)."""
    client, _ = Client.objects.get_or_create(client_id=conf.app_settings.CLIENT_ID)
    client.name = DEMO_CLIENT_NAME  # what the sign-in pages call it, as Auth0 names an app
    client.set_client_secret(conf.app_settings.CLIENT_SECRET)
    client.redirect_uris = "\n".join(conf.app_settings.REDIRECT_URIS)
    client.post_logout_redirect_uris = "\n".join(conf.app_settings.POST_LOGOUT_REDIRECT_URIS)
    client.require_pushed_authorization_requests = conf.app_settings.REQUIRE_PAR or conf.is_fapi2()
    # The client's authentication follows the profile (conf.client_auth_method): a secret,
    # or private_key_jwt with the keys the web app publishes (or ones given in settings).
    client.token_endpoint_auth_method = conf.app_settings.CLIENT_AUTH_METHOD
    client.jwks = conf.app_settings.CLIENT_JWKS
    client.jwks_uri = "" if client.jwks else conf.app_settings.CLIENT_JWKS_URI
    client.save()
    return client


def assistant_client_sync() -> Client:
    """The assistant (an agent, a call centre): CIBA only, so it can move money only once
    the customer approved exactly that payment on their phone. Demo-only credentials."""
    client, _ = Client.objects.get_or_create(client_id=conf.app_settings.ASSISTANT_CLIENT_ID)
    client.name = ASSISTANT_CLIENT_NAME
    client.set_client_secret(conf.app_settings.ASSISTANT_CLIENT_SECRET)
    client.redirect_uris = ""  # no browser ever comes back to it
    client.post_logout_redirect_uris = ""
    client.allowed_scopes = "openid transfer:funds"
    client.grant_types = CIBA_GRANT_TYPE
    # FAPI 2.0 section 5.3.2.1 holds for the back channel too: the assistant signs a
    # private_key_jwt assertion with its own key (its public half registered here) there.
    fapi2 = conf.is_fapi2()
    client.token_endpoint_auth_method = "private_key_jwt" if fapi2 else "client_secret_basic"
    client.jwks = conf.app_settings.ASSISTANT_CLIENT_JWKS if fapi2 else None
    client.save()
    return client


def demo_users_sync() -> list[IdpUser]:
    """Create the demo users, or put them back as seeded (password, TOTP secret)."""
    users = []
    for email, sub, name, secret in DEMO_USERS:
        user = IdpUser.objects.filter(sub=sub).first() or IdpUser(sub=sub)
        user.email, user.name, user.totp_secret, user.is_active = email, name, secret, True
        # Re-hash only when needed, so a second run changes nothing.
        if not user.password or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.save()
        users.append(user)
    return users


@transaction.atomic
def demo_seed() -> tuple[Client, list[IdpUser]]:
    client = demo_client_sync()
    assistant_client_sync()
    return client, demo_users_sync()
