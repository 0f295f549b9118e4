"""The bank's one error hierarchy: services raise these, and one place maps each to a
response (problem+json in the API through `api_auth.problems.api_view`, a page on the web
site through `fabrikam.middleware.WebErrorMiddleware`)."""

from __future__ import annotations

from api_auth.errors import Problem


class ApplicationError(Problem):
    """A rule was broken in a way the caller can understand and act on."""


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class TransferInvalid(ApplicationError):
    """The request itself is wrong (amount, accounts); nothing is recorded."""

    code = "invalid_transfer"
    status = 422


class IdempotencyConflict(ApplicationError):
    """An idempotency key was reused for a request with different content."""

    code = "idempotency_key_reused"
    status = 422


class ApprovalRequired(ApplicationError):
    """The transfer needs an approval of exactly this payment (RFC 9396), not only MFA."""

    code = "approval_required"
    status = 403


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
