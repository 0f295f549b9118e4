"""Start-up checks: catch a setting that would only fail later, at the first sign-in."""

from __future__ import annotations

from authlib.common.security import is_secure_transport
from django.core.checks import Error, Tags, Warning, register

from . import conf
from .keys import ACCESS_TOKEN_LIFETIME
from .models import Client


@register()
def issuer_transport_check(app_configs, **kwargs) -> list[Error]:
    issuer = conf.app_settings.ISSUER
    if not issuer:
        return [Error("DEVIDP_ISSUER is not set.", id="devidp.E001")]
    # Authlib allows plain http only on loopback (or with AUTHLIB_INSECURE_TRANSPORT set).
    if not is_secure_transport(issuer):
        return [
            Error(
                f"DEVIDP_ISSUER {issuer} uses http on a non-loopback host, which Authlib refuses.",
                hint="Use https, or on a private demo network set AUTHLIB_INSECURE_TRANSPORT=1.",
                id="devidp.E002",
            )
        ]
    return []


@register()
def signup_limit_check(app_configs, **kwargs) -> list[Error]:
    limit = conf.app_settings.SIGNUPS_PER_HOUR
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        return [
            Error(
                f"DEVIDP_SIGNUPS_PER_HOUR must be a whole number of at least 1, not {limit!r}.",
                id="devidp.E003",
            )
        ]
    return []


@register()
def payment_approval_settings_check(app_configs, **kwargs) -> list[Error]:
    errors = []
    lifetime = conf.app_settings.APPROVAL_TOKEN_LIFETIME
    ceiling = int(ACCESS_TOKEN_LIFETIME.total_seconds())
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or not 1 <= lifetime <= ceiling:
        errors.append(
            Error(
                f"DEVIDP_APPROVAL_TOKEN_LIFETIME must be a whole number of seconds from 1 to "
                f"{ceiling}, not {lifetime!r}.",
                hint="A token that approves one payment lives no longer than any other token.",
                id="devidp.E005",
            )
        )
    if not isinstance(conf.app_settings.REQUIRE_PAR, bool):
        errors.append(Error("DEVIDP_REQUIRE_PAR must be True or False.", id="devidp.E006"))
    return errors


@register()
def introspection_client_check(app_configs, **kwargs) -> list[Error | Warning]:
    if conf.app_settings.INTROSPECTION_CLIENT_ID == conf.app_settings.CLIENT_ID:
        return [
            Error(
                "DEVIDP_INTROSPECTION_CLIENT_ID names the web app's client.",
                hint="The API introspects with credentials of its own; pick another id.",
                id="devidp.E004",
            )
        ]
    if not conf.app_settings.INTROSPECTION_CLIENT_SECRET:
        return [
            Warning(
                "DEVIDP_INTROSPECTION_CLIENT_SECRET is empty: token introspection refuses "
                "every caller.",
                hint="Set it (and the API's copy) to a long random value.",
                id="devidp.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def introspection_secret_deploy_check(app_configs, **kwargs) -> list[Warning]:
    if conf.app_settings.INTROSPECTION_CLIENT_SECRET == conf.DEMO_INTROSPECTION_SECRET:
        return [
            Warning(
                "DEVIDP_INTROSPECTION_CLIENT_SECRET is the published demo secret.",
                hint="Anyone could introspect tokens; set a long random value.",
                id="devidp.W002",
            )
        ]
    return []


@register()
def profile_check(app_configs, **kwargs) -> list[Error]:
    """A profile, a signing algorithm and a client method this IdP has, in a valid mix."""
    errors = []
    if conf.app_settings.PROFILE not in conf.PROFILES:
        errors.append(
            Error(
                f"DEVIDP_PROFILE must be one of {', '.join(conf.PROFILES)}, "
                f"not {conf.app_settings.PROFILE!r}.",
                id="devidp.E007",
            )
        )
    allowed = ["PS256", "ES256"] if conf.is_fapi2() else ["RS256", "PS256", "ES256"]
    if conf.app_settings.SIGNING_ALG not in allowed:
        errors.append(
            Error(
                f"DEVIDP_SIGNING_ALG must be one of {', '.join(allowed)} in this profile, "
                f"not {conf.app_settings.SIGNING_ALG!r}.",
                hint="FAPI 2.0 section 5.4 allows PS256 and ES256 (and EdDSA), never RS256.",
                id="devidp.E008",
            )
        )
    method = conf.app_settings.CLIENT_AUTH_METHOD
    if method not in Client.TOKEN_ENDPOINT_AUTH_METHODS or (
        conf.is_fapi2() and method != "private_key_jwt"
    ):
        errors.append(
            Error(
                f"DEVIDP_CLIENT_AUTH_METHOD {method!r} is not allowed in this profile.",
                hint="fapi2 allows private_key_jwt only.",
                id="devidp.E009",
            )
        )
    if method == "private_key_jwt" and not (
        conf.app_settings.CLIENT_JWKS or conf.app_settings.CLIENT_JWKS_URI
    ):
        errors.append(
            Error(
                "private_key_jwt needs DEVIDP_CLIENT_JWKS or DEVIDP_CLIENT_JWKS_URI.",
                id="devidp.E010",
            )
        )
    return errors
