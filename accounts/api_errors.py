"""What can go wrong when the web pages call the resource API (`accounts/api_client.py`,
`transfers/client.py`): the web client's errors, apart from the bank's own rules in
`accounts/errors.py`. `fabrikam.middleware.WebErrorMiddleware` maps each to a page; a view
catches one only to do better than that page (step up, ask for an approval).

Here, not in `transfers`, because accounts' pages call the API too and accounts never
imports transfers.
"""

from __future__ import annotations

import requests

from .errors import ApplicationError


class ApiError(ApplicationError):
    """The API refused a request; `problem` is its problem+json body."""

    def __init__(self, response: requests.Response):
        try:
            problem = response.json()
        except ValueError:
            problem = None
        # Only text is shown or compared: a body of another shape says nothing more.
        self.problem = {
            name: value
            for name, value in (problem if isinstance(problem, dict) else {}).items()
            if isinstance(value, str)
        }
        super().__init__(
            self.problem.get("detail") or "The bank could not process that request.",
            field=self.problem.get("field"),
            code=self.problem.get("code"),
        )
        self.status = response.status_code
        self.response = response


class ServiceUnavailable(ApplicationError):
    """The resource API cannot be reached right now (the web app's view of it)."""

    code = "service_unavailable"
    status = 503


class UnexpectedAnswer(ServiceUnavailable):
    """The API answered, but not as it promises (not JSON, a field missing or of the wrong
    type, a status it never sends): a bug or something in the way, such as a proxy's page.
    The web app stops there with a clear page rather than guess."""

    code = "unexpected_answer"


class StepUpRequired(ApplicationError):
    """The API wants a fresher or stronger authentication (an RFC 9470 challenge)."""

    code = "insufficient_user_authentication"
    status = 401

    def __init__(self, message: str, *, acr_values: str | None, max_age: int | None):
        super().__init__(message)
        self.acr_values = acr_values
        self.max_age = max_age


class TransferNotAuthorized(ApplicationError):
    """The API refused the elevated token (expired, already used, wrong scope)."""

    status = 403


class ApprovalNeeded(ApplicationError):
    """The API wants this payment approved as exactly this payment (RFC 9396)."""

    status = 403
