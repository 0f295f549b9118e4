"""Checking the IdP's own access tokens where it accepts them (the userinfo endpoint)."""

from __future__ import annotations

from authlib.integrations.django_oauth2 import ResourceProtector
from authlib.oauth2.rfc6750 import InvalidTokenError
from authlib.oauth2.rfc9068 import JWTBearerTokenValidator
from joserfc.jwk import KeySet

from . import conf, keys
from .models import IssuedToken


class AccessTokenValidator(JWTBearerTokenValidator):
    """Authlib's RFC 9068 checks, plus ours: the token must not have been revoked."""

    def get_jwks(self) -> KeySet:
        return keys.public_key_set()

    def validate_token(self, token, scopes, request, **kwargs):
        super().validate_token(token, scopes, request, **kwargs)
        # RFC 9449 section 7: a DPoP-bound token sent as Bearer is a stolen one (this
        # endpoint takes no DPoP proofs, so it takes no bound tokens).
        if "cnf" in token:
            raise InvalidTokenError(realm=self.realm)
        if not IssuedToken.objects.filter(jti=token["jti"], revoked_at__isnull=True).exists():
            raise InvalidTokenError(realm=self.realm)


def resource_protector() -> ResourceProtector:
    protector = ResourceProtector()
    protector.register_token_validator(
        AccessTokenValidator(
            issuer=conf.app_settings.ISSUER, resource_server=conf.app_settings.AUDIENCE
        )
    )
    return protector
