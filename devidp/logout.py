"""RP-initiated logout on Authlib's end-session endpoint, ending the IdP's SSO session."""

from __future__ import annotations

from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc.jwk import KeySet

from . import keys, sso
from .models import IdpSession


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> KeySet:
        # Retired keys included: a client may log out with an ID token from before a rotation.
        return keys.public_key_set()

    def get_algorithms(self) -> list[str]:
        return [keys.ALGORITHM]

    def is_post_logout_redirect_uri_legitimate(self, request, uri, client, logout_hint) -> bool:
        # Without an id_token_hint we only redirect after the person confirmed on our page
        # (a POST, CSRF-protected), so a stray link cannot bounce anyone anywhere.
        return request.method == "POST"

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        session = sso.current_session(end_session_request.request._request)
        if session is not None:
            sso.session_end(session)
        sid = (end_session_request.id_token_claims or {}).get("sid")
        if sid:
            for other in IdpSession.objects.filter(sid=sid, ended_at__isnull=True):
                sso.session_end(other)
