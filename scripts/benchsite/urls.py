"""Every URL of the site, plus POST /bench/transfers: the transfer service with no token.

The endpoint names the customer in an `X-Bench-Sub` header and skips everything that
authentication costs (token validation, customer lookup by `sub`, the MFA check, spending
the token and the security event), so the benchmark can price exactly that.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path

from accounts.models import Customer
from api_auth.problems import api_view
from fabrikam.urls import urlpatterns as site_urlpatterns
from transfers import api
from transfers.services import transfer_create


@api_view("POST")
def transfers_create_without_authentication(request: HttpRequest) -> JsonResponse:
    # The same parsing and the same service as POST /api/transfers.
    idempotency_key = api._idempotency_key(request)
    fields = api._transfer_fields(request)
    transfer = transfer_create(
        customer=Customer.objects.get(
            issuer=settings.API_ISSUER, sub=request.headers["X-Bench-Sub"]
        ),
        source_number=fields["source"],
        destination_number=fields["destination"],
        amount=fields["amount"],
        memo=fields["memo"],
        idempotency_key=idempotency_key,
        approved=True,
    )
    return api.transfer_answer(transfer)


urlpatterns = [
    path("bench/transfers", transfers_create_without_authentication),
    *site_urlpatterns,
]
