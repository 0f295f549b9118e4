"""RP-initiated logout on Authlib's end-session endpoint, ending this browser's SSO session.

RP-Initiated Logout 1.0 section 6: a logout request is a means of denial of service, so the
IdP asks the person first unless the request is provably this browser's own: its
id_token_hint names the `sid` of the session behind this browser's cookie, and it comes from
a registered client returning to a registered URL. Anything else (a cross-site link, a hint
copied from another browser, an old hint) gets a confirmation page, and confirming ends only
this browser's session, never one named by a hint.
"""

from __future__ import annotations

from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc.jwk import KeySet

from . import keys, sso
from .models import IdpSession

# What a confirmation form carries back: the logout parameters, never anything else.
OIDC_LOGOUT_PARAMETERS = (
    "id_token_hint",
    "client_id",
    "post_logout_redirect_uri",
    "state",
    "logout_hint",
    "ui_locales",
)
AUTH0_LOGOUT_PARAMETERS = ("client_id", "returnTo")


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> KeySet:
        # Retired keys included: a client may log out with an ID token from before a rotation.
        return keys.public_key_set()

    def get_algorithms(self) -> list[str]:
        return list(keys.ALGORITHMS)  # whichever our own keys signed the hint with

    def is_post_logout_redirect_uri_legitimate(self, request, uri, client, logout_hint) -> bool:
        # Without an id_token_hint we only redirect after the person confirmed on our page
        # (a POST, CSRF-protected), so a stray link cannot bounce anyone anywhere.
        return request.method == "POST"

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        # This browser's session only: the hint's `sid` never selects what ends.
        session = sso.current_session(end_session_request.request._request)
        if session is not None:
            sso.session_end(session)


def is_own_session_logout(logout_request: EndSessionRequest, session: IdpSession) -> bool:
    """May this logout end `session` (this browser's) without asking?"""
    claims = logout_request.id_token_claims or {}
    return (
        claims.get("sid") == session.sid
        # Set by Authlib only for a registered client and one of its registered URLs.
        and logout_request.redirect_uri is not None
    )
