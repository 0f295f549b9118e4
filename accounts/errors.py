"""The bank's one error hierarchy: services raise these, and one place maps each to a
response (problem+json in the API through `api_auth.problems.api_view`, a page on the web
site through `fabrikam.middleware.WebErrorMiddleware`). What goes wrong when the web pages
call the API is the web client's, in `accounts/api_errors.py`."""

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
