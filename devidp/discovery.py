"""The OpenID Provider metadata document, every URL derived from the configured issuer."""

from __future__ import annotations

from django.urls import reverse

from . import conf
from .ciba import GRANT_TYPE as CIBA_GRANT_TYPE
from .introspection import AUTH_METHODS as INTROSPECTION_AUTH_METHODS
from .policy import PASSWORD_ONLY_ACR
from .rar import TYPES_SUPPORTED as AUTHORIZATION_DETAILS_TYPES
from .server import SCOPES_SUPPORTED


def endpoint_url(name: str) -> str:
    """The public URL of one of our views: the issuer plus its path under the IdP mount.

    Built from the issuer, not the request's Host, so the IdP can sit on another host and
    port (or behind a proxy) and still describe itself correctly.
    """
    mount = reverse("devidp:openid_configuration").removesuffix(".well-known/openid-configuration")
    return conf.issuer() + "/" + reverse(f"devidp:{name}").removeprefix(mount)


def openid_configuration() -> dict:
    return {
        "issuer": conf.issuer(),
        "authorization_endpoint": endpoint_url("authorize"),
        "token_endpoint": endpoint_url("token"),
        "pushed_authorization_request_endpoint": endpoint_url("par"),
        # RFC 9126 section 5: PAR is optional server-wide; a client may be registered to
        # require it (`Client.require_pushed_authorization_requests`).
        "require_pushed_authorization_requests": False,
        "authorization_details_types_supported": AUTHORIZATION_DETAILS_TYPES,
        "userinfo_endpoint": endpoint_url("userinfo"),
        "jwks_uri": endpoint_url("jwks"),
        "end_session_endpoint": endpoint_url("end_session"),
        "introspection_endpoint": endpoint_url("introspect"),
        "introspection_endpoint_auth_methods_supported": list(INTROSPECTION_AUTH_METHODS),
        "scopes_supported": SCOPES_SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", CIBA_GRANT_TYPE],
        # CIBA Core 1.0 section 4: poll mode only; no user codes.
        "backchannel_authentication_endpoint": endpoint_url("backchannel_authentication"),
        "backchannel_token_delivery_modes_supported": ["poll"],
        "backchannel_user_code_parameter_supported": False,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": [conf.PHISHING_RESISTANT_ACR, conf.MFA_ACR, PASSWORD_ONLY_ACR],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "amr",
            "sid",
            "name",
            "email",
        ],
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": True,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }
