"""Token signing keys: generated once per algorithm, persisted, rotated, published as a JWKS.

One key per algorithm (RS256, PS256, ES256): a key is used with one algorithm only (RFC 8725
section 3.1), and the JWKS names it. Which algorithm signs is the profile's choice
(`conf.app_settings.SIGNING_ALG`). A retired key stays in the JWKS until every token it signed has
expired, so rotation never breaks a client that verifies a token issued a minute earlier.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from joserfc.jwk import ECKey, KeyParameters, KeySet, KeySetSerialization, RSAKey

from . import conf
from .models import SigningKey

ALGORITHMS = ("RS256", "PS256", "ES256")
ALGORITHM = "RS256"  # today's profile; kept for the callers that name it
KEY_SIZE = 2048
ID_TOKEN_LIFETIME = timedelta(hours=1)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=10)
# The longest-lived token any key signs: a retired key is published at least this long.
PUBLISH_RETIRED_KEYS_FOR = max(ID_TOKEN_LIFETIME, ACCESS_TOKEN_LIFETIME)

SigningJwk = RSAKey | ECKey
# Parsing a PEM costs more than the rest of a token request; the rows never change.
_imported: dict[str, SigningJwk] = {}


def _parameters(alg: str, kid: str | None = None) -> KeyParameters:
    parameters: KeyParameters = {"use": "sig", "alg": alg}
    if kid:
        parameters["kid"] = kid
    return parameters


def _import(row: SigningKey) -> SigningJwk:
    if row.kid not in _imported:
        key_class = ECKey if row.alg == "ES256" else RSAKey
        _imported[row.kid] = key_class.import_key(
            row.private_key_pem, parameters=_parameters(row.alg, row.kid)
        )
    return _imported[row.kid]


def _generate(alg: str) -> SigningKey:
    if alg == "ES256":
        key: SigningJwk = ECKey.generate_key("P-256", parameters=_parameters(alg), private=True)
    else:
        key = RSAKey.generate_key(KEY_SIZE, parameters=_parameters(alg), private=True)
    # The RFC 7638 thumbprint is a stable, collision-free key id.
    return SigningKey.objects.create(
        kid=key.thumbprint(), alg=alg, private_key_pem=key.as_pem(private=True).decode()
    )


def signing_key(alg: str | None = None) -> SigningJwk:
    """The active private key for `alg` (the profile's by default), created on first use
    and reused across restarts."""
    alg = alg or conf.app_settings.SIGNING_ALG
    row = SigningKey.objects.filter(alg=alg, retired_at__isnull=True).first()
    if row is None:
        with transaction.atomic():
            # Two processes starting together may both get here; the newest key wins and
            # both are published, so either one's tokens still verify.
            row = _generate(alg)
    return _import(row)


def signing_key_set(alg: str | None = None) -> KeySet:
    """The active key as a KeySet: joserfc then writes its `kid` into every JWT header."""
    return KeySet([signing_key(alg)])


def published_keys() -> list[SigningKey]:
    cutoff = timezone.now() - PUBLISH_RETIRED_KEYS_FOR
    return list(SigningKey.objects.filter(Q(retired_at__isnull=True) | Q(retired_at__gt=cutoff)))


def public_jwks() -> KeySetSerialization:
    """The JWKS document: public halves only, each with `kid`, `use` and `alg`."""
    for alg in ALGORITHMS:  # a fresh install publishes its keys before it has signed anything
        signing_key(alg)
    return {"keys": [_import(row).as_dict(private=False) for row in published_keys()]}


def public_key_set() -> KeySet:
    return KeySet.import_key_set(public_jwks())


def signing_key_rotate() -> SigningKey:
    """Start signing with new keys (one per algorithm); the old ones retire but stay
    published for a while. Returns the new key of the profile's algorithm."""
    with transaction.atomic():
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=timezone.now())
        new = {alg: _generate(alg) for alg in ALGORITHMS}
    return new[conf.app_settings.SIGNING_ALG]
