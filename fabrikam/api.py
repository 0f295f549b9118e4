"""Site-wide API endpoints that need no token: health, and the API's OpenAPI description."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from api_auth.problems import api_view, problem_response

from .openapi import openapi_document

logger = logging.getLogger(__name__)


@api_view("GET")
def health(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        return problem_response(
            status=503, detail="The database does not answer.", code="database_unavailable"
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@api_view("GET")
def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document())
