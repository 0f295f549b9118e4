"""The errors an API view may raise; `problems.api_view` turns each into problem+json."""

from __future__ import annotations

import re

from .conf import algorithms, app_settings, bearer_accepted

# Characters allowed in a challenge's quoted values (RFC 6750 §3: no '"' and no '\').
_UNSAFE_IN_CHALLENGE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


class Problem(Exception):
    """An error the caller can understand and act on: an RFC 9457 problem.

    Subclass it for your own domain errors; `status`, `code` and `field` become the body.
    """

    code = "application_error"
    status = 400
    # Extra members of the problem+json body (RFC 9457 §3.2 extensions), e.g. what to ask for.
    extensions: dict | None = None

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class NotConfigured(Problem):
    """The guard has no issuer or audience to check tokens against (see `manage.py check`)."""

    code = "not_configured"
    status = 503


class BearerChallenge(Problem):
    """A refusal answered with `WWW-Authenticate: Bearer ...` and a problem+json body.

    `error=None` is "no credentials" (RFC 6750 §3.1: no error code). `params` become extra
    challenge attributes: `scope` for insufficient_scope, and `acr_values` / `max_age` for
    RFC 9470's insufficient_user_authentication.
    """

    STATUS_BY_ERROR = {
        None: 401,
        # RFC 9449 §7.1 and §8: a bad DPoP proof, and "try again with this nonce".
        "invalid_dpop_proof": 401,
        "use_dpop_nonce": 401,
        "invalid_request": 400,
        "invalid_token": 401,
        "insufficient_scope": 403,
        "insufficient_user_authentication": 401,
        # RFC 9396 defines no resource-server error; this is draft-zehavi-oauth-rar-metadata's.
        "insufficient_authorization_details": 403,
    }

    def __init__(self, error: str | None = None, description: str = "", **params: str | int):
        super().__init__(
            description
            or "This API needs an access token: send `Authorization: "
            + ("Bearer" if bearer_accepted() else "DPoP")
            + " <token>`.",
            code=error or "unauthorized",
        )
        self.error = error
        self.description = description
        self.params = params
        self.status = self.STATUS_BY_ERROR[error]

    # The scheme whose challenge carries the error: the one the request used (the guard
    # sets it), "DPoP" for a proof's errors.
    scheme = "Bearer"

    def www_authenticate(self) -> str:
        """One challenge per scheme the API takes (RFC 9110 §11.6.1): `Bearer` unless the
        profile is fapi2, then `DPoP` with its `algs` (RFC 9449 §7.1); the error goes on the
        scheme the request used."""
        realm = app_settings.REALM
        schemes = ("Bearer", "DPoP") if bearer_accepted() else ("DPoP",)
        target = self.scheme if self.scheme in schemes else schemes[-1]
        challenges = []
        for scheme in schemes:
            attributes: dict[str, str] = {"realm": realm}
            if scheme == target and self.error:
                attributes["error"] = self.error
                if self.description:
                    attributes["error_description"] = self.description
                attributes.update((name, str(value)) for name, value in self.params.items())
            if scheme == "DPoP":
                attributes["algs"] = " ".join(algorithms())
            challenges.append(
                f"{scheme} "
                + ", ".join(
                    f'{name}="{_UNSAFE_IN_CHALLENGE.sub("", value)}"'
                    for name, value in attributes.items()
                )
            )
        return ", ".join(challenges)


class DPoPChallenge(BearerChallenge):
    """A refusal of the DPoP proof (RFC 9449 §7.1), or a request for a nonce (§8), which
    also carries the nonce to use in a `DPoP-Nonce` header."""

    scheme = "DPoP"

    def __init__(self, error: str, description: str = "", *, nonce: str | None = None):
        super().__init__(error, description)
        self.nonce = nonce
