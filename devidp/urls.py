"""The IdP's URLs, mounted under `/idp/`; the paths mirror Auth0's."""

from __future__ import annotations

from django.urls import path

from .views import (
    approval,
    device,
    logout,
    metadata,
    passkeys,
    phones,
    protocol,
    push,
    second_factor,
    sign_in,
)

app_name = "devidp"

urlpatterns = [
    path(
        ".well-known/openid-configuration",
        metadata.openid_configuration,
        name="openid_configuration",
    ),
    path(".well-known/jwks.json", metadata.jwks, name="jwks"),
    path("authorize", protocol.authorize, name="authorize"),
    path("oauth/token", protocol.token, name="token"),
    path("oauth/par", protocol.pushed_authorization_request, name="par"),
    path("bc-authorize", protocol.backchannel_authentication, name="backchannel_authentication"),
    path("userinfo", protocol.userinfo, name="userinfo"),
    path("oauth/introspect", protocol.introspect, name="introspect"),
    path("oidc/logout", logout.end_session, name="end_session"),
    path("v2/logout", logout.auth0_logout, name="auth0_logout"),
    path("u/login", sign_in.sign_in, name="sign_in"),
    path("u/signup", sign_in.sign_up, name="sign_up"),
    path("u/cancel", sign_in.cancel, name="cancel"),
    path("u/consent", approval.approve, name="approve"),
    path("u/mfa", second_factor.totp, name="totp"),
    path("u/mfa/enrol", second_factor.totp_enrol, name="totp_enrol"),
    path("u/mfa/passkey", passkeys.passkey, name="passkey"),
    path("u/passkeys/options", passkeys.passkey_options, name="passkey_options"),
    path("u/account", passkeys.account, name="account"),
    path("u/account/verify", passkeys.account_verify, name="account_verify"),
    path("u/account/passkeys", passkeys.account_passkey_add, name="account_passkey_add"),
    path(
        "u/account/passkeys/<int:passkey_id>/remove",
        passkeys.account_passkey_remove,
        name="account_passkey_remove",
    ),
    path("u/account/phones/pair", phones.account_phone_pair, name="account_phone_pair"),
    path(
        "u/account/phones/<int:device_id>/remove",
        phones.account_phone_remove,
        name="account_phone_remove",
    ),
    path("u/mfa/push", push.push_step, name="push"),
    path("u/mfa/push/status", push.push_status, name="push_status"),
    path("device/", device.app, name="device"),
    path("device/manifest.webmanifest", device.manifest, name="device_manifest"),
    path("device/sw.js", device.service_worker, name="device_worker"),
    path("device/pair", device.pair, name="device_pair"),
    path("device/requests", device.requests, name="device_requests"),
    path("device/answer", device.answer, name="device_answer"),
]
