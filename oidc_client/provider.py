"""OpenID Connect client glue: one Authlib client built from the issuer's discovery
document, the authorization requests the site makes, and the checks on every callback.

Nothing here knows which provider it talks to: Auth0, an embedded dev IdP and any
standards-compliant OpenID Provider are configured by `OIDC_ISSUER` alone.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_variables
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from . import client_auth, dpop, profile
from .authlib_app import OidcOAuth
from .conf import app_settings
from .errors import ApprovalUnsupported, ProviderUnavailable, SignInFailed, SignInRequired

log = logging.getLogger("oidc_client")

FLOWS_KEY = "oidc_flows"  # session: pending authorization requests, by state
FRIENDLY_ERRORS = {
    "access_denied": "Sign-in was cancelled or refused at the identity provider.",
    "login_required": "Please sign in again.",
    "interaction_required": "Please sign in again.",
    "consent_required": "Please approve the sign-in at the identity provider.",
    "invalid_scope": "The identity provider refused the permissions this site asked for.",
    "invalid_authorization_details": "The identity provider refused the details to approve.",
}


@dataclass
class Flow:
    """What an authorization request was for, kept in the session under its `state`."""

    purpose: str  # "sign_in" or "step_up"
    next_url: str
    silent: bool = False
    started_at: float = 0.0
    sub: str | None = None  # the signed-in user a step-up must come back as
    max_age: int | None = None
    acr_values: str | None = None
    step_up: dict[str, Any] | None = None  # the StepUp being satisfied, as a dict
    # RFC 9396: what the user is asked to approve (a step-up for one transaction).
    authorization_details: list[dict[str, Any]] | None = None
    # RFC 9449: a sign-in's new DPoP key (private JWK), the session's once it completes.
    dpop_key: dict[str, Any] | None = None


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


@lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str) -> DjangoOAuth2App:
    # Cached per configuration, so the discovery document and JWKS are fetched once per
    # process and tests that change the settings get a client of their own. How the client
    # authenticates is not Authlib's to decide: `client_auth` does, for PAR and token alike.
    oauth = OidcOAuth()
    return oauth.register(
        "oidc_client",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=discovery_url(issuer),
        client_kwargs={"code_challenge_method": "S256", "timeout": app_settings.TIMEOUT},
    )


def provider() -> DjangoOAuth2App:
    issuer, client_id = app_settings.ISSUER, app_settings.CLIENT_ID
    if not issuer or not client_id:
        raise ProviderUnavailable(
            "Sign-in is not configured on this site yet: set OIDC_ISSUER and OIDC_CLIENT_ID."
        )
    return _client(issuer, client_id, app_settings.CLIENT_SECRET)


def metadata() -> dict[str, Any]:
    """The provider's discovery document, fetched once; a clear error if it is unreachable."""
    client = provider()
    try:
        document = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("oidc.discovery_failed issuer=%s error=%s", app_settings.ISSUER, exc)
        raise ProviderUnavailable(
            "The identity provider cannot be reached right now. Please try again shortly."
        ) from None
    if document.get("issuer") != app_settings.ISSUER:
        client.server_metadata.pop("_loaded_at", None)  # try again next time
        raise ProviderUnavailable(
            "The identity provider's discovery document names another issuer."
        )
    _check_auth_method(document)
    return document


def _check_auth_method(document: dict[str, Any]) -> None:
    """Refuse, naming the setting, a client authentication the provider does not offer
    (checked at the first discovery: `manage.py check` makes no network call)."""
    method = profile.auth_method()
    offered = document.get("token_endpoint_auth_methods_supported")
    # OpenID Connect Discovery §3: absent means client_secret_basic only.
    if method not in (offered if isinstance(offered, list) else ["client_secret_basic"]):
        log.error("oidc.auth_method_unsupported method=%s", method)
        raise ProviderUnavailable(
            f"Sign-in is misconfigured: the identity provider does not offer {method} "
            "(OIDC_CLIENT_AUTH_METHOD)."
        )


def safe_next(request: HttpRequest, value: str | None) -> str:
    """A same-site path to return to, or "/": `next` must never become an open redirect."""
    if (
        value
        and value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return "/"


def redirect_uri(request: HttpRequest) -> str:
    if configured := app_settings.REDIRECT_URI:
        return configured
    if profile.is_fapi2():
        # FAPI 2.0: never built from the request, whose Host header the visitor writes.
        raise ProviderUnavailable("Sign-in is misconfigured: fapi2 needs OIDC_REDIRECT_URI.")
    return request.build_absolute_uri(reverse("callback"))


def _dpop_key(request: HttpRequest, flow: Flow) -> ECKey | None:
    """The key this request's tokens are bound to: a new one for each sign-in (kept with
    the flow until it completes), the session's own for a step-up."""
    if not profile.dpop():
        return None
    if flow.purpose != "sign_in":
        if (key := dpop.session_key(request)) is None:
            # Signed in before DPoP was on: a step-up's token would be bound to a key the
            # session does not hold. A new sign-in makes one.
            raise SignInRequired("Please sign in again.", code="expired")
        return key
    key = ECKey.generate_key("P-256", private=True)
    flow.dpop_key = key.as_dict(private=True)
    return key


def start(
    request: HttpRequest, *, flow: Flow, scope: str | None = None, **params: Any
) -> HttpResponseRedirect:
    """Redirect to the provider's authorization endpoint for `flow`."""
    document = metadata()
    if audience := app_settings.AUDIENCE:
        params["audience"] = audience  # Auth0 names the API this way...
        if app_settings.SEND_RESOURCE or document.get("resource_indicators_supported"):
            params["resource"] = audience  # ...RFC 8707 this way
    if flow.silent:
        params["prompt"] = "none"
    if flow.max_age is not None:
        params["max_age"] = flow.max_age
    if flow.acr_values:
        params["acr_values"] = flow.acr_values
    if flow.authorization_details is not None:
        _check_approval_support(document, flow.authorization_details)
        params["authorization_details"] = json.dumps(flow.authorization_details)
    client = provider()
    callback = redirect_uri(request)
    key = _dpop_key(request, flow)
    if key is not None:
        params["dpop_jkt"] = dpop.thumbprint(key)  # RFC 9449 §10: bind the code to the key
    authorization = client.create_authorization_url(
        callback, scope=scope or app_settings.SCOPE, **params
    )
    # RFC 9126: push the request when it carries authorization details (so the browser never
    # sees or alters them), when the provider requires it, or always (fapi2, OIDC_USE_PAR).
    if (
        flow.authorization_details is not None
        or document.get("require_pushed_authorization_requests")
        or profile.push_every_request()
    ):
        authorization["url"] = _pushed(document, authorization["url"], key)
    client.save_authorize_data(request, redirect_uri=callback, **authorization)
    flow.started_at = time.time()
    flows = request.session.get(FLOWS_KEY, {})
    flows[authorization["state"]] = asdict(flow)
    # Keep only a few pending requests: abandoned tabs must not grow the session forever.
    request.session[FLOWS_KEY] = dict(list(flows.items())[-5:])
    return HttpResponseRedirect(authorization["url"])


def _check_approval_support(document: dict[str, Any], details: list[dict[str, Any]]) -> None:
    """Refuse up front, rather than silently ask for less, when the provider cannot push
    (RFC 9126) or does not know every requested authorization details type (RFC 9396)."""
    # A provider that supports types without listing them in discovery is declared in
    # OIDC_AUTHORIZATION_DETAILS_TYPES.
    supported = (
        app_settings.AUTHORIZATION_DETAILS_TYPES
        or document.get("authorization_details_types_supported")
        or []
    )
    wanted = {str(entry.get("type")) for entry in details}
    if not document.get("pushed_authorization_request_endpoint") or not wanted <= set(supported):
        raise ApprovalUnsupported(
            "The identity provider cannot approve a single transaction (it offers no pushed "
            "authorization requests with these authorization details)."
        )


def _pushed(document: dict[str, Any], url: str, dpop_key: ECKey | None) -> str:
    """Push the authorization request (RFC 9126) and return the URL that refers to it."""
    endpoint = document.get("pushed_authorization_request_endpoint")
    if not endpoint:
        raise ApprovalUnsupported("The identity provider offers no pushed authorization requests.")
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    client_id = app_settings.CLIENT_ID
    try:
        response = client_auth.post(endpoint, params, dpop_key=dpop_key)
        answer = response.json()
    except (requests.RequestException, ValueError):
        raise ProviderUnavailable(
            "The identity provider cannot be reached right now. Please try again shortly."
        ) from None
    if (
        response.status_code != 201
        or not isinstance(answer, dict)
        or not isinstance(answer.get("request_uri"), str)
    ):
        error = str(answer.get("error", "invalid_request"))[:60] if isinstance(answer, dict) else ""
        log.warning("oidc.par_refused status=%s error=%s", response.status_code, error)
        raise SignInFailed(
            FRIENDLY_ERRORS.get(error, "The identity provider refused this request."), code=error
        )
    return add_params_to_uri(
        document["authorization_endpoint"],
        {"client_id": client_id, "request_uri": answer["request_uri"]},
    )


def provider_reason(description: str) -> str:
    """The provider's own words for a refusal (e.g. "You declined on your phone."), when
    short and plain: this response's `state` matched, so it came back from our request."""
    text = " ".join(description.split())
    if not text or len(text) > 120 or not text.isprintable():
        return ""
    return text


def pending_flow(request: HttpRequest) -> Flow | None:
    state = request.GET.get("state", "")
    data = request.session.get(FLOWS_KEY, {}).get(state)
    return Flow(**data) if data else None


# Everything from here down (Authlib's frames too) holds the code, the PKCE verifier, the
# client secret or the tokens: an error report shows none of it.
@sensitive_variables()
def finish(request: HttpRequest) -> tuple[Flow, dict[str, Any]]:
    """Check the authorization response, redeem the code and validate the ID token.

    Returns the flow the response belongs to and the token response, with the validated
    ID token claims under "userinfo". Every refusal raises `SignInFailed`.
    """
    flow = pending_flow(request)
    if flow is None:
        raise SignInFailed("This sign-in response has expired or was already used.")
    flows = request.session[FLOWS_KEY]
    flows.pop(request.GET["state"])
    request.session[FLOWS_KEY] = flows

    if error := request.GET.get("error"):
        log.info("oidc.error_response purpose=%s error=%s", flow.purpose, error[:60])
        failed = SignInFailed(
            FRIENDLY_ERRORS.get(error, "The identity provider refused sign-in."), code=error[:60]
        )
        failed.provider_reason = provider_reason(request.GET.get("error_description", ""))
        raise failed
    document = metadata()
    issuer = document["issuer"]
    # RFC 9207: the response names its issuer, which defeats mix-up attacks.
    response_iss = request.GET.get("iss")
    if response_iss is not None and response_iss != issuer:
        raise SignInFailed("The sign-in response came from an unexpected issuer.")
    if response_iss is None and (
        profile.is_fapi2() or document.get("authorization_response_iss_parameter_supported")
    ):
        raise SignInFailed("The sign-in response did not name its issuer.")

    claims_options = {
        "iss": {"essential": True, "value": issuer},
        # Authlib does not compare `aud` with the client id by itself.
        "aud": {"essential": True, "value": app_settings.CLIENT_ID},
        "sub": {"essential": True},
    }
    key = ECKey.import_key(flow.dpop_key) if flow.dpop_key else dpop.session_key(request)
    if not profile.dpop():
        key = None
    try:
        token = provider().authorize_access_token(
            request, claims_options=claims_options, leeway=app_settings.LEEWAY, dpop_key=key
        )
    except (OAuthError, JoseError, ValueError) as exc:
        log.warning("oidc.token_refused purpose=%s error=%s", flow.purpose, type(exc).__name__)
        raise SignInFailed("The sign-in could not be verified. Please try again.") from None
    except requests.RequestException:
        raise ProviderUnavailable(
            "The identity provider did not answer. Please try again."
        ) from None
    if not token.get("userinfo"):
        raise SignInFailed("The identity provider did not return an ID token.")
    if key is not None and str(token.get("token_type", "")).lower() != "dpop":
        # RFC 9449 §5: asked for a bound token, given a bearer one. Refused, not downgraded:
        # anyone who copied it could use it.
        log.warning("oidc.token_not_bound purpose=%s", flow.purpose)
        raise SignInFailed("The identity provider did not bind the tokens to this session.")
    return flow, token


@sensitive_variables("id_token", "params")
def logout_url(request: HttpRequest, id_token: str | None) -> str:
    """Where to send the browser so the provider ends its session too."""
    home = request.build_absolute_uri("/")
    try:
        document = metadata()
    except ProviderUnavailable:
        return "/"
    client_id = app_settings.CLIENT_ID
    if endpoint := document.get("end_session_endpoint"):
        params = {"post_logout_redirect_uri": home, "client_id": client_id}
        if id_token:
            params["id_token_hint"] = id_token
        return add_params_to_uri(endpoint, params)
    issuer = document["issuer"]
    auth0 = app_settings.AUTH0_LOGOUT
    if auth0 is None:  # auto: a tenant's own domain (a custom domain needs the setting)
        auth0 = (urlsplit(issuer).hostname or "").endswith(".auth0.com")
    if auth0:  # Auth0 without RP-initiated logout enabled still has its own /v2/logout
        return add_params_to_uri(
            issuer.rstrip("/") + "/v2/logout", {"client_id": client_id, "returnTo": home}
        )
    return "/"
