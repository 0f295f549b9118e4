"""The web client's errors; `middleware.OidcErrorMiddleware` answers each one."""

from __future__ import annotations


class OidcClientError(Exception):
    code = "oidc_error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class SignInRequired(OidcClientError):
    """The visitor must sign in (again): no session, or its access token has expired."""

    code = "sign_in_required"
    status = 401


class SignInFailed(OidcClientError):
    """An authorization response was refused; the message is safe to show the visitor."""

    code = "sign_in_failed"
    status = 400
    provider_reason = ""  # the provider's error_description, when it is fit to show


class ProviderUnavailable(OidcClientError):
    """The identity provider cannot be reached, or sign-in is not configured."""

    code = "provider_unavailable"
    status = 503


class ApprovalUnsupported(OidcClientError):
    """The provider cannot approve one transaction (no PAR, or the RAR type is unknown):
    refused, never downgraded to a plain step-up."""

    code = "approval_unsupported"
    status = 409
