"""Authlib's Django client with two parts of our own: the token request (so client
authentication and DPoP are decided in `client_auth`, as for PAR) and the profile's rule on
ID token algorithms. Authlib keeps the rest: state, PKCE, nonce and the ID token checks.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.views.decorators.debug import sensitive_variables
from joserfc.jwk import ECKey

from . import client_auth, profile


class OidcApp(DjangoOAuth2App):
    @sensitive_variables()
    def fetch_access_token(
        self, redirect_uri: str | None = None, dpop_key: ECKey | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Redeem the code (RFC 6749 §4.1.3, with the PKCE verifier, RFC 7636 §4.5)."""
        metadata = self.load_server_metadata()
        data = {"grant_type": "authorization_code", "code": kwargs.get("code")}
        if redirect_uri:
            data["redirect_uri"] = redirect_uri
        if kwargs.get("code_verifier"):
            data["code_verifier"] = kwargs["code_verifier"]
        response = client_auth.post(metadata["token_endpoint"], data, dpop_key=dpop_key)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OAuthError(error="invalid_response", description="not a JSON object")
        if response.status_code != 200 or not isinstance(body.get("access_token"), str):
            raise OAuthError(error=str(body.get("error", "invalid_response"))[:60])
        expires_in = body.get("expires_in")
        if isinstance(expires_in, int) and not isinstance(expires_in, bool):
            body["expires_at"] = int(time.time()) + expires_in
        return body

    def parse_id_token(self, token: dict[str, Any], nonce: str, **kwargs: Any) -> Any:
        # Authlib accepts whatever discovery lists; the profile may allow fewer (fapi2: no
        # RS256, FAPI 2.0 §5.4.1). The header's alg is the one Authlib then verifies with.
        allowed = profile.id_token_algorithms()
        if allowed is not None and "id_token" in token:
            alg = _header(token["id_token"]).get("alg")
            if alg not in allowed:
                raise OAuthError(
                    error="invalid_id_token", description=f"alg {str(alg)[:10]} not allowed"
                )
        return super().parse_id_token(token, nonce, **kwargs)


def _header(compact: Any) -> dict[str, Any]:
    try:
        segment = str(compact).split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:
        return {}
    return header if isinstance(header, dict) else {}


class OidcOAuth(OAuth):
    oauth2_client_cls = OidcApp
