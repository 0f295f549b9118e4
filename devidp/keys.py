"""Token signing keys: generated once, persisted, rotated, and published as a JWKS.

A retired key stays in the JWKS until every token it signed has expired, so rotation never
breaks a client that verifies a token issued a minute earlier.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from joserfc.jwk import KeyParameters, KeySet, RSAKey

from .models import SigningKey

ALGORITHM = "RS256"
KEY_SIZE = 2048
ID_TOKEN_LIFETIME = timedelta(hours=1)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=10)
# The longest-lived token any key signs: a retired key is published at least this long.
PUBLISH_RETIRED_KEYS_FOR = max(ID_TOKEN_LIFETIME, ACCESS_TOKEN_LIFETIME)

_PARAMETERS: KeyParameters = {"use": "sig", "alg": ALGORITHM}
# Parsing a PEM costs more than the rest of a token request; the rows never change.
_imported: dict[str, RSAKey] = {}


def _import(row: SigningKey) -> RSAKey:
    if row.kid not in _imported:
        _imported[row.kid] = RSAKey.import_key(
            row.private_key_pem, parameters=KeyParameters(**_PARAMETERS, kid=row.kid)
        )
    return _imported[row.kid]


def _generate() -> SigningKey:
    key = RSAKey.generate_key(KEY_SIZE, parameters=_PARAMETERS, private=True)
    # The RFC 7638 thumbprint is a stable, collision-free key id.
    return SigningKey.objects.create(
        kid=key.thumbprint(), private_key_pem=key.as_pem(private=True).decode()
    )


def signing_key() -> RSAKey:
    """The active private key, created on first use and reused across restarts."""
    row = SigningKey.objects.filter(retired_at__isnull=True).first()
    if row is None:
        with transaction.atomic():
            # Two processes starting together may both get here; the newest key wins and
            # both are published, so either one's tokens still verify.
            row = _generate()
    return _import(row)


def signing_key_set() -> KeySet:
    """The active key as a KeySet: joserfc then writes its `kid` into every JWT header."""
    return KeySet([signing_key()])


def published_keys() -> list[SigningKey]:
    cutoff = timezone.now() - PUBLISH_RETIRED_KEYS_FOR
    return list(SigningKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gt=cutoff)))


def public_jwks() -> dict:
    """The JWKS document: public halves only, each with `kid`, `use` and `alg`."""
    signing_key()  # a fresh install publishes a key before it has signed anything
    return {"keys": [_import(row).as_dict(private=False) for row in published_keys()]}


def public_key_set() -> KeySet:
    return KeySet([RSAKey.import_key(k) for k in public_jwks()["keys"]])


def signing_key_rotate() -> SigningKey:
    """Start signing with a new key; the old ones retire but stay published for a while."""
    with transaction.atomic():
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=timezone.now())
        return _generate()
