"""A stand-in OpenID Provider for callback tests: it signs ID tokens the way a provider
would, so each refusal can be shown with exactly one thing wrong.

The end-to-end sign-in tests use the real embedded identity provider instead.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

from oidc_client import provider as oidc

ISSUER = "https://op.test/"
CLIENT_ID = "fabrikam-test-client"


class StandInProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "op-key-1", "use": "sig"})
        self.metadata = {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}authorize",
            "token_endpoint": f"{ISSUER}oauth/token",
            "jwks_uri": f"{ISSUER}.well-known/jwks.json",
            "end_session_endpoint": f"{ISSUER}oidc/logout",
            "id_token_signing_alg_values_supported": ["RS256"],
            "authorization_response_iss_parameter_supported": True,
            "jwks": {"keys": [self.key.as_dict(private=False)]},
            "_loaded_at": time.time(),
        }
        self.token_overrides: dict[str, Any] = {}
        self.claim_overrides: dict[str, Any] = {}

    def install(self) -> None:
        """Point the site's client at this provider without any network."""
        client = oidc.provider()
        client.server_metadata.clear()
        client.server_metadata.update(self.metadata)
        client.fetch_access_token = self._token_response

    def id_token(self, nonce: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": "auth0|alice",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": nonce,
            "name": "Alice Ng",
            "email": "alice@example.com",
            "amr": ["pwd"],
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode({"alg": "RS256", "kid": "op-key-1"}, claims, self.key)

    def _token_response(self, redirect_uri=None, **params: Any) -> dict[str, Any]:
        self.last_token_request = params
        token = {
            "access_token": "access-token-for-tests",
            "token_type": "Bearer",
            "expires_in": 600,
            "expires_at": int(time.time()) + 600,
            "scope": "openid profile email read:accounts",
            "id_token": self.id_token(**{"nonce": self.nonce, **self.claim_overrides}),
        }
        token.update(self.token_overrides)
        return token

    def authorize(self, client, path: str = "/login") -> dict[str, str]:
        """Start sign-in on the site; return the authorization request's parameters."""
        response = client.get(path)
        assert response.status_code == 302, response
        params = {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}
        self.nonce = params["nonce"]
        return params
