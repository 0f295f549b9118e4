"""Start-up checks: catch a setting that would only fail later, at the first sign-in."""

from __future__ import annotations

from authlib.common.security import is_secure_transport
from django.core.checks import Error, Tags, Warning, register

from . import conf


@register()
def issuer_transport_check(app_configs, **kwargs) -> list[Error]:
    issuer = conf.issuer()
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
    limit = conf.signups_per_hour()
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        return [
            Error(
                f"DEVIDP_SIGNUPS_PER_HOUR must be a whole number of at least 1, not {limit!r}.",
                id="devidp.E003",
            )
        ]
    return []


@register()
def introspection_client_check(app_configs, **kwargs) -> list[Error | Warning]:
    if conf.introspection_client_id() == conf.client_id():
        return [
            Error(
                "DEVIDP_INTROSPECTION_CLIENT_ID names the web app's client.",
                hint="The API introspects with credentials of its own; pick another id.",
                id="devidp.E004",
            )
        ]
    if not conf.introspection_client_secret():
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
    if conf.introspection_client_secret() == conf.DEMO_INTROSPECTION_SECRET:
        return [
            Warning(
                "DEVIDP_INTROSPECTION_CLIENT_SECRET is the published demo secret.",
                hint="Anyone could introspect tokens; set a long random value.",
                id="devidp.W002",
            )
        ]
    return []
