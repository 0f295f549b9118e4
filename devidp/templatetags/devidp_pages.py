"""For the IdP's pages: the way back to the application, on every page that ends a visit."""

from __future__ import annotations

from django import template

from .. import conf
from ..models import Client

register = template.Library()


@register.simple_tag(takes_context=True)
def app_home(context) -> dict[str, str] | None:
    """The name and home page of the application the person came from: the client the
    request names, else the web app's client; its home is its first registered sign-out
    return URL. Only registered URLs, never one from the request (no open redirect)."""
    request = context.get("request")
    named = request.GET.get("client_id") or request.POST.get("client_id") if request else None
    client = None
    if named:
        client = Client.objects.filter(client_id=named).first()
    client = client or Client.objects.filter(client_id=conf.app_settings.CLIENT_ID).first()
    homes = client.client_metadata["post_logout_redirect_uris"] if client else []
    if client is None or not homes:
        return None
    return {"name": client.name, "url": homes[0]}
