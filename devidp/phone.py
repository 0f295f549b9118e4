"""The customer's phone as an authenticator: pairing it, and checking what it signs.

The phone (`/idp/device/`, `static/devidp/phone.js`) makes a non-extractable P-256 key with
WebCrypto and sends only the public half when it pairs. From then on every call it makes is
a compact JWS (ES256) of that key, with an explicit `typ` (RFC 8725 section 3.11) so a
signature made for one purpose is never accepted for another:

- `device-poll+jwt`: "show me my requests" (`device`, `iat`), accepted for a minute;
- `push-answer+jwt`: one decision on one request (`push.py`), accepted once.

A pairing code is one-time, lives five minutes, is stored hashed, and is made only on the
account page after a second factor in the last ten minutes (`may_pair`), as for passkeys.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import unicodedata
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from .models import IdpSession, IdpUser, PairingCode, PhoneDevice, digest
from .passkeys import may_manage_passkeys

log = logging.getLogger(__name__)

PAIRING_LIFETIME = timedelta(minutes=5)
NAME_MAX_LENGTH = 60
POLL_TYP = "device-poll+jwt"
ANSWER_TYP = "push-answer+jwt"
# How old a poll signature may be (and how far the phone's clock may run ahead).
POLL_ASSERTION_MAX_AGE = 60
# A JWS larger than this is not one our phone made: refuse before parsing it.
MAX_JWS_LENGTH = 2048


class DeviceRefused(Exception):
    """A pairing or a phone's signed call was refused; the message is safe to show."""


def may_pair(session: IdpSession) -> bool:
    """The same rule as adding a passkey: a second factor in the last ten minutes, so a
    stolen password cannot pair the thief's phone and then approve every step-up."""
    return may_manage_passkeys(session)


def pairing_code_new(*, session: IdpSession) -> str:
    """A fresh one-time pairing code for this session's person (raw; only its hash is kept)."""
    if not may_pair(session) or session.user is None:
        raise DeviceRefused("Confirm it is you first.")
    code = secrets.token_urlsafe(24)
    now = timezone.now()
    PairingCode.objects.create(
        code_hash=digest(code), user=session.user, created_at=now, expires_at=now + PAIRING_LIFETIME
    )
    return code


def device_name_clean(name: object) -> str:
    """A name the account page and the phone can show: printable, 1 to 60 characters."""
    if not isinstance(name, str):
        raise DeviceRefused("Give this phone a name.")
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
        raise DeviceRefused(f"Give this phone a name of 1 to {NAME_MAX_LENGTH} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned):
        raise DeviceRefused("The name contains characters that cannot be shown.")
    return cleaned


def public_key_parse(jwk: object) -> ECKey:
    """Exactly a public P-256 key: a private member (`d`) or another curve is refused."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise DeviceRefused("The phone's key must be a P-256 public key.")
    if "d" in jwk or not isinstance(jwk.get("x"), str) or not isinstance(jwk.get("y"), str):
        raise DeviceRefused("The phone's key must be a P-256 public key.")
    try:
        return ECKey.import_key({"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]})
    except (JoseError, ValueError) as exc:
        raise DeviceRefused("The phone's key is not a valid P-256 key.") from exc


def device_pair(*, code: object, name: object, jwk: object) -> PhoneDevice:
    """Pair a phone: spend the code (once, within five minutes), store the public key."""
    key = public_key_parse(jwk)
    name = device_name_clean(name)
    if not isinstance(code, str) or not code:
        raise DeviceRefused("This pairing link has expired or was already used.")
    now = timezone.now()
    row = PairingCode.objects.filter(code_hash=digest(code)).select_related("user").first()
    # The conditional update is the single-use guarantee, even between processes.
    taken = row is not None and PairingCode.objects.filter(
        pk=row.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if row is None or not taken:
        raise DeviceRefused("This pairing link has expired or was already used.")
    public = key.as_dict(private=False)
    try:
        with transaction.atomic():
            device = PhoneDevice.objects.create(
                user=row.user,
                name=name,
                device_id=secrets.token_urlsafe(16),
                public_jwk={k: public[k] for k in ("kty", "crv", "x", "y")},
                thumbprint=key.thumbprint(),
            )
    except IntegrityError as exc:  # this key is paired already (to anyone)
        raise DeviceRefused("This phone's key is already paired.") from exc
    log.info("devidp.phone_paired sub=%s device=%s", row.user.sub, device.device_id)
    return device


def device_remove(*, user: IdpUser, device_pk: int) -> bool:
    """Unpair one of this person's phones; False if it is not theirs (or already gone)."""
    deleted, _ = PhoneDevice.objects.filter(user=user, pk=device_pk).delete()
    return bool(deleted)


def signed_payload(value: object, *, typ: str) -> tuple[PhoneDevice, dict[str, Any]]:
    """Verify a phone's compact JWS: its `typ`, ES256, and the key of the device it names.

    The device is looked up from the payload's `device` before the signature is checked
    (the key to check with depends on it); nothing else in the payload is trusted until then.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_JWS_LENGTH:
        raise DeviceRefused("The phone's signature is missing.")
    try:
        unverified = jws.extract_compact(value.encode())
        payload = json.loads(unverified.payload)
    except (JoseError, ValueError) as exc:
        raise DeviceRefused("The phone's signature could not be read.") from exc
    if unverified.protected.get("typ") != typ or unverified.protected.get("alg") != "ES256":
        raise DeviceRefused("The phone's signature is of the wrong kind.")
    device_id = payload.get("device") if isinstance(payload, dict) else None
    device = (
        PhoneDevice.objects.select_related("user")
        .filter(device_id=device_id, user__is_active=True)
        .first()
        if isinstance(device_id, str)
        else None
    )
    if device is None:
        raise DeviceRefused("This phone is not paired with an account any more.")
    try:
        jws.deserialize_compact(value, ECKey.import_key(device.public_jwk), algorithms=["ES256"])
    except JoseError as exc:
        log.warning("devidp.phone_bad_signature device=%s", device.device_id)
        raise DeviceRefused("The phone's signature does not match its key.") from exc
    return device, payload


def poll_authenticate(value: object, *, now: float | None = None) -> PhoneDevice:
    """The phone asking for its requests: a recent `device-poll+jwt` of its own key."""
    device, payload = signed_payload(value, typ=POLL_TYP)
    now = time.time() if now is None else now
    iat = payload.get("iat")
    if not isinstance(iat, int) or not (now - POLL_ASSERTION_MAX_AGE <= iat <= now + 30):
        raise DeviceRefused("The phone's clock is off, or the signature is old. Reload.")
    return device
