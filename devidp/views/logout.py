"""Sign-out: OIDC RP-initiated logout, and Auth0's `/v2/logout` form of it."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .. import sso
from ..flow import error_response
from ..logout import EndSession
from ..models import Client
from ..server import authorization_server


def _signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "devidp/signed_out.html")


@require_http_methods(["GET", "POST"])
@never_cache
def end_session(request: HttpRequest) -> HttpResponse:
    """OIDC RP-Initiated Logout 1.0.

    Clients call it with GET; POST is our own confirmation form, which Django's CSRF check
    protects (a client's cross-site POST would need a CSRF exemption we do not grant).
    """
    server = authorization_server()
    server.register_endpoint(EndSession)
    try:
        logout_request = server.validate_endpoint_request("end_session", request)
    except OAuth2Error as error:
        return error_response(request, error)
    if logout_request.needs_confirmation and request.method == "GET":
        return render(request, "devidp/logout_confirm.html", {"params": request.GET.items()})
    response = server.create_endpoint_response("end_session", logout_request) or _signed_out(
        request
    )
    sso.delete_cookie(response)
    return response


@require_GET
@never_cache
def auth0_logout(request: HttpRequest) -> HttpResponse:
    """Auth0's `/v2/logout?client_id=...&returnTo=...`: sign out, then go back if allowed."""
    session = sso.current_session(request)
    if session is not None:
        sso.session_end(session)
    client = Client.objects.filter(client_id=request.GET.get("client_id", "")).first()
    return_to = request.GET.get("returnTo", "")
    if client and return_to in client.client_metadata["post_logout_redirect_uris"]:
        response = HttpResponseRedirect(return_to)
    else:
        response = _signed_out(request)
    sso.delete_cookie(response)
    return response
