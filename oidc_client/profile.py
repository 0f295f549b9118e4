"""What OIDC_PROFILE decides: today's OpenID Connect client ("oidc") or the FAPI 2.0
Security Profile ("fapi2"), in one place so every part asks the same question.

fapi2 means (FAPI 2.0 Security Profile §5.3.2): every authorization request pushed
(RFC 9126), PKCE S256, the `iss` response parameter required (RFC 9207),
`private_key_jwt` (RFC 7523), DPoP-bound tokens (RFC 9449), ID tokens signed PS256, ES256
or EdDSA only, and a configured redirect URI.
"""

from __future__ import annotations

from .conf import app_settings

OIDC, FAPI2 = "oidc", "fapi2"
PROFILES = (OIDC, FAPI2)
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
AUTH_METHODS = (*SECRET_METHODS, "private_key_jwt")
FAPI2_ALGORITHMS = ("PS256", "ES256", "EdDSA")


def is_fapi2() -> bool:
    return app_settings.PROFILE == FAPI2


def auth_method() -> str:
    """How the client authenticates at the token and PAR endpoints."""
    return app_settings.CLIENT_AUTH_METHOD or (
        "private_key_jwt" if is_fapi2() else "client_secret_basic"
    )


def dpop() -> bool:
    value = app_settings.DPOP
    return is_fapi2() if value is None else bool(value)


def push_every_request() -> bool:
    return is_fapi2() or bool(app_settings.USE_PAR)


def id_token_algorithms() -> tuple[str, ...] | None:
    """The ID token algorithms accepted; None: whatever the provider's discovery lists."""
    return FAPI2_ALGORITHMS if is_fapi2() else None
