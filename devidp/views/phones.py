"""The account page's phones: pair one (a QR code and a one-time link) and remove one.

Both need the same recent second factor as adding a passkey (`phone.may_pair`).
"""

from __future__ import annotations

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import phone
from ..endpoints import endpoint_url
from ..models import IdpSession, IdpUser
from .passkeys import _account_page, _account_redirect, _signed_in_account


def pairing_link(code: str) -> str:
    # In the fragment, so the code never reaches a server log or a Referer header.
    return endpoint_url("device") + "#pair=" + code


@require_POST
@never_cache
@_signed_in_account
def account_phone_pair(request: HttpRequest, session: IdpSession, user: IdpUser) -> HttpResponse:
    try:
        code = phone.pairing_code_new(session=session)
    except phone.DeviceRefused as exc:
        return _account_page(request, session, user, error=str(exc), status=403)
    link = pairing_link(code)
    # segno writes the SVG itself from our own URL: no user-controlled markup reaches the page.
    qr_svg = mark_safe(  # noqa: S308
        segno.make(link, error="m").svg_inline(scale=4, title="QR code to pair a phone")
    )
    context = {
        "user": user,
        "qr_svg": qr_svg,
        "link": link,
        "minutes": int(phone.PAIRING_LIFETIME.total_seconds() // 60),
    }
    return render(request, "devidp/phone_pair.html", context)


@require_POST
@never_cache
@_signed_in_account
def account_phone_remove(
    request: HttpRequest, session: IdpSession, user: IdpUser, device_id: int
) -> HttpResponse:
    if not phone.may_pair(session):
        return _account_page(request, session, user, error="Confirm it is you first.", status=403)
    if not phone.device_remove(user=user, device_pk=device_id):
        raise Http404  # not theirs, or already gone
    return _account_redirect(request)
