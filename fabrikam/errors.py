"""The one error hierarchy for business rules; views map it to HTML or problem+json."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule was broken in a way the caller can understand and act on."""

    code = "application_error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


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


class SignInRequired(ApplicationError):
    """The visitor must sign in (again): no session, or its access token has expired."""

    code = "sign_in_required"
    status = 401


class SignInFailed(ApplicationError):
    """An authorization response was refused; the message is safe to show the visitor."""

    code = "sign_in_failed"
    status = 400


class ServiceUnavailable(ApplicationError):
    """The identity provider or the resource API cannot be reached right now."""

    code = "service_unavailable"
    status = 503


class StepUpRequired(ApplicationError):
    """The API wants a fresher or stronger authentication (an RFC 9470 challenge)."""

    code = "insufficient_user_authentication"
    status = 401

    def __init__(self, message: str, *, acr_values: str | None, max_age: int | None):
        super().__init__(message)
        self.acr_values = acr_values
        self.max_age = max_age
