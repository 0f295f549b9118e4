"""The OAuth endpoints: authorize (browser); token, PAR, userinfo, introspection (back channel)."""

from __future__ import annotations

from authlib.integrations.django_oauth2.resource_protector import return_error_response
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6750 import InvalidTokenError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ..bearer import resource_protector
from ..ciba import BackchannelAuthenticationEndpoint
from ..flow import authorization_start
from ..introspection import Introspection
from ..models import IdpUser
from ..par import PushedAuthorizationEndpoint
from ..server import authorization_server
from ..tokens import user_claims


# OIDC Core 3.1.2.1: the authorization endpoint takes GET and POST. A POST here is a
# cross-site form by design; it changes nothing until the person signs in on our own
# CSRF-protected pages, and the Lax SSO cookie is not sent with it.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def authorize(request: HttpRequest) -> HttpResponse:
    return authorization_start(request)


@csrf_exempt  # a back-channel call authenticated by the client secret, not a browser form
@require_POST
@sensitive_post_parameters("code", "code_verifier", "client_secret", "client_assertion")
def token(request: HttpRequest) -> HttpResponse:
    response = authorization_server().create_token_response(request)
    # RFC 6749 5.1; Authlib sets these too, but a token must never sit in a cache.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@csrf_exempt  # a back-channel call authenticated by the client secret, not a browser form
@require_POST
@sensitive_post_parameters("client_secret", "client_assertion")
def pushed_authorization_request(request: HttpRequest) -> HttpResponse:
    """RFC 9126: a client pushes an authorization request and gets a one-time request_uri."""
    server = authorization_server()
    server.register_endpoint(PushedAuthorizationEndpoint)
    response = server.create_endpoint_response(PushedAuthorizationEndpoint.ENDPOINT_NAME, request)
    response["Cache-Control"] = "no-store"  # errors too: they echo the client's request
    return response


@csrf_exempt  # a back-channel call authenticated by the client's credentials
@require_POST
def backchannel_authentication(request: HttpRequest) -> HttpResponse:
    """CIBA Core 1.0 section 7: a client asks for a person's approval on their phone."""
    server = authorization_server()
    server.register_endpoint(BackchannelAuthenticationEndpoint)
    response = server.create_endpoint_response(
        BackchannelAuthenticationEndpoint.ENDPOINT_NAME, request
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # bearer-token authenticated; OIDC allows POST
@require_http_methods(["GET", "POST"])
def userinfo(request: HttpRequest) -> HttpResponse:
    try:
        access_token = resource_protector().acquire_token(request, scopes=["openid"])
        user = IdpUser.objects.filter(sub=access_token["sub"], is_active=True).first()
        if user is None:
            raise InvalidTokenError()
    except OAuth2Error as error:
        return return_error_response(error)
    response = JsonResponse(dict(user_claims(user, access_token.get("scope", ""))))
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # a back-channel call authenticated by the API's own credentials
@require_POST
@sensitive_post_parameters("token", "client_secret", "client_assertion")
def introspect(request: HttpRequest) -> HttpResponse:
    """RFC 7662: is this access token active, and what does it carry?"""
    server = authorization_server()
    server.register_endpoint(Introspection)
    return server.create_endpoint_response("introspection", request)
