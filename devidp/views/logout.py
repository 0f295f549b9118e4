"""Sign-out: OIDC RP-initiated logout, and Auth0's `/v2/logout` form of it.

Both take GET from clients; a POST is our own confirmation form, which Django's CSRF check
protects (a cross-site POST would need a CSRF exemption we do not grant).
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import sso
from ..flow import error_response
from ..logout import (
    AUTH0_LOGOUT_PARAMETERS,
    OIDC_LOGOUT_PARAMETERS,
    EndSession,
    is_own_session_logout,
)
from ..models import Client
from ..server import authorization_server


def _signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "devidp/signed_out.html")


def _confirm(request: HttpRequest, names: tuple[str, ...]) -> HttpResponse:
    params = [(name, request.GET[name]) for name in names if name in request.GET]
    context = {"action": request.path, "params": params}
    return render(request, "devidp/logout_confirm.html", context)


def _finished(response: HttpResponse) -> HttpResponse:
    sso.delete_cookie(response)
    return response


@require_http_methods(["GET", "POST"])
@never_cache
def end_session(request: HttpRequest) -> HttpResponse:
    """OIDC RP-Initiated Logout 1.0 (the rules are in `devidp/logout.py`)."""
    server = authorization_server()
    server.register_endpoint(EndSession)
    try:
        logout_request = server.validate_endpoint_request("end_session", request)
    except OAuth2Error as error:
        return error_response(request, error)
    session = sso.current_session(request)
    if (
        request.method == "GET"
        and session is not None
        and not is_own_session_logout(logout_request, session)
    ):
        return _confirm(request, OIDC_LOGOUT_PARAMETERS)
    response = server.create_endpoint_response("end_session", logout_request)
    return _finished(response or _signed_out(request))


@require_http_methods(["GET", "POST"])
@never_cache
def auth0_logout(request: HttpRequest) -> HttpResponse:
    """Auth0's `/v2/logout?client_id=...&returnTo=...`: sign out, then go back if allowed.

    Nothing in this form proves that the request is the browser's own (any page can link
    to it; there is no id_token_hint naming the session), so a GET with a session always
    asks first (RP-Initiated Logout 1.0 section 6). The return URL is followed only when the
    client registered it.
    """
    params: QueryDict = request.POST if request.method == "POST" else request.GET
    client = Client.objects.filter(client_id=params.get("client_id", "")).first()
    return_to = params.get("returnTo", "")
    registered = client.client_metadata["post_logout_redirect_uris"] if client else []
    trusted = return_to in registered
    session = sso.current_session(request)
    if request.method == "GET" and session is not None:
        return _confirm(request, AUTH0_LOGOUT_PARAMETERS)
    if session is not None:
        sso.session_end(session)
    return _finished(HttpResponseRedirect(return_to) if trusted else _signed_out(request))
