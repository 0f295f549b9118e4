"""Discovery and JWKS: what a client reads before it talks to the IdP."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .. import keys
from ..discovery import openid_configuration as metadata


@require_GET
def openid_configuration(request: HttpRequest) -> JsonResponse:
    return JsonResponse(metadata())


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(keys.public_jwks())
