"""The public URLs of the IdP's endpoints, derived from the issuer (never the Host header)."""

from __future__ import annotations

from django.urls import reverse

from . import conf


def endpoint_url(name: str) -> str:
    """The public URL of one of our views: the issuer plus its path under the IdP mount.

    Built from the issuer, not the request's Host, so the IdP can sit on another host and
    port (or behind a proxy) and still describe itself correctly.
    """
    mount = reverse("devidp:openid_configuration").removesuffix(".well-known/openid-configuration")
    return conf.app_settings.ISSUER + "/" + reverse(f"devidp:{name}").removeprefix(mount)
