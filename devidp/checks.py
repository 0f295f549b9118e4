"""Start-up checks: catch an issuer Authlib would refuse before the first sign-in fails."""

from __future__ import annotations

from authlib.common.security import is_secure_transport
from django.core.checks import Error, register

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
