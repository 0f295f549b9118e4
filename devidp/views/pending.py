"""The pending authorization request each sign-in step works on: found once, from `?tx=`,
for every step's view, which is called with it (or the browser is told the link expired)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..flow import PendingNotFound, pending_get, pending_signed_in_get
from ..models import IdpUser, PendingAuthorization

View = Callable[..., HttpResponse]


def expired(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "devidp/error.html",
        {
            "error": "sign_in_expired",
            "description": "This sign-in link has expired or was opened in another browser. "
            "Go back to Fabrikam and sign in again.",
        },
        status=400,
    )


def pending_required(view: Callable[[HttpRequest, PendingAuthorization], HttpResponse]) -> View:
    """Call `view(request, pending)` with this browser's pending request named by `?tx=`."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            pending = pending_get(request, request.GET.get("tx", ""))
        except PendingNotFound:
            return expired(request)
        return view(request, pending)

    return wrapper


def pending_signed_in_required(
    view: Callable[[HttpRequest, PendingAuthorization, IdpUser], HttpResponse],
) -> View:
    """The same for the steps after a password: `view(request, pending, user)`, with the
    person the browser's session has signed in."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            pending = pending_signed_in_get(request, request.GET.get("tx", ""))
        except PendingNotFound:
            return expired(request)
        user = pending.session.user
        if user is None:  # pending_signed_in_get refuses these; said again for the type
            return expired(request)
        return view(request, pending, user)

    return wrapper
