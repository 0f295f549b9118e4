"""The OpenID Provider metadata document, every URL derived from the configured issuer."""

from __future__ import annotations

from . import conf
from .ciba import GRANT_TYPE as CIBA_GRANT_TYPE
from .endpoints import endpoint_url
from .introspection import AUTH_METHODS as INTROSPECTION_AUTH_METHODS
from .models import Client
from .policy import PASSWORD_ONLY_ACR
from .rar import TYPES_SUPPORTED as AUTHORIZATION_DETAILS_TYPES
from .server import SCOPES_SUPPORTED


def openid_configuration() -> dict:
    fapi2 = conf.is_fapi2()
    # FAPI 2.0 section 5.3.2.1: asymmetric client authentication only in that profile.
    auth_methods = ["private_key_jwt"] if fapi2 else list(Client.TOKEN_ENDPOINT_AUTH_METHODS)
    return {
        "issuer": conf.app_settings.ISSUER,
        "authorization_endpoint": endpoint_url("authorize"),
        "token_endpoint": endpoint_url("token"),
        "pushed_authorization_request_endpoint": endpoint_url("par"),
        # RFC 9126 section 5: PAR is optional server-wide (a client may be registered to
        # require it, `Client.require_pushed_authorization_requests`), required in fapi2.
        "require_pushed_authorization_requests": fapi2,
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
        "id_token_signing_alg_values_supported": [conf.app_settings.SIGNING_ALG],
        "token_endpoint_auth_methods_supported": auth_methods,
        # RFC 8414: what a private_key_jwt assertion may be signed with (asymmetric only).
        "token_endpoint_auth_signing_alg_values_supported": conf.client_algorithms(),
        "dpop_signing_alg_values_supported": conf.client_algorithms(),
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
