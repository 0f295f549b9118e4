"""Characters a request parameter may not carry, refused before Authlib reads the request.

Authlib puts some parameters (the redirect URI, the response type) into its error
descriptions, and refuses to build an error whose description holds a character RFC 6749
section 5.2 forbids (`"`, `\\`, controls): without this check such a request is a 500, not
the protocol's error. RFC 6749 appendix A gives these parameters no such characters anyway,
and no parameter may hold a control character (a NUL ends up in logs and in stored JSON).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from authlib.oauth2.rfc6749 import InvalidRequestError

# Parameters with a syntax of their own (RFC 6749 appendix A, OIDC Core 3.1.2.1): these get
# echoed in error descriptions, so only the characters a description may hold are allowed.
SYNTAX_PARAMETERS = (
    "response_type",
    "response_mode",
    "redirect_uri",
    "post_logout_redirect_uri",
    "client_id",
    "scope",
    "prompt",
    "code_challenge_method",
    "grant_type",
)
_DESCRIPTION_UNSAFE = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parameters_check(datalist: Mapping[str, Iterable[str]]) -> None:
    """Refuse (invalid_request, naming the parameter but never its value) a request whose
    parameters hold characters they never may. `datalist`: each name with all its values."""
    for name, values in datalist.items():
        if _CONTROL.search(name):
            raise InvalidRequestError("A parameter name contains characters that are not allowed.")
        unsafe = _DESCRIPTION_UNSAFE if name in SYNTAX_PARAMETERS else _CONTROL
        if any(isinstance(value, str) and unsafe.search(value) for value in values):
            raise InvalidRequestError(f"The {name} parameter holds characters it may not.")
