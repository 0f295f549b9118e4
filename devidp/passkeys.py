"""Passkeys (WebAuthn) as a second factor: the registration and authentication ceremonies.

Duo Labs' `webauthn` package parses and checks what the authenticator signed (CBOR, COSE
keys, signatures, the origin, the RP ID hash, the flags, the sign counter); this module
owns what the package leaves to a relying party:

- the challenge: random, stored as a hash, bound to this IdP session, this person and this
  ceremony, usable once and for two minutes (`_challenge_take`);
- which credentials a person may use, and their counters (`passkey_authenticate`);
- what the tokens then say about the factor (`amr_for`).

The RP ID is the issuer's host and the origin its scheme, host and port, so a passkey made
for `http://localhost:8000/idp` signs for nothing else. User verification (a PIN or a
biometric on the authenticator) is required, so a passkey is a second factor on its own
device, not just a touch.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

import webauthn
from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    generate_challenge,
    options_to_json_dict,
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorData,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from . import conf
from .models import IdpSession, IdpUser, Passkey, PasskeyChallenge, digest

log = logging.getLogger(__name__)

CHALLENGE_LIFETIME = timedelta(minutes=2)
RP_NAME = "Fabrikam (demo)"
NAME_MAX_LENGTH = 60
Purpose = PasskeyChallenge.Purpose


class PasskeyRefused(Exception):
    """The ceremony failed; the message says why, in words safe to show the person."""


def rp_id() -> str:
    """WebAuthn's relying party ID: the issuer's host name (never an IP address)."""
    return urlsplit(conf.app_settings.ISSUER).hostname or ""


def expected_origin() -> str:
    """The origin the browser must report: the issuer's scheme, host and port."""
    issuer = urlsplit(conf.app_settings.ISSUER)
    return f"{issuer.scheme}://{issuer.netloc}"


def _user_handle(user: IdpUser) -> bytes:
    # WebAuthn's user.id must not identify the person to others: a hash of the opaque `sub`.
    return hashlib.sha256(user.sub.encode()).digest()


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in passkey.transports:
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue  # a transport newer than this library: leave it out, it is only a hint
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
    )


def _challenge_new(*, session: IdpSession, user: IdpUser, purpose: str) -> bytes:
    challenge = generate_challenge()
    now = timezone.now()
    PasskeyChallenge.objects.create(
        challenge_hash=digest(bytes_to_base64url(challenge)),
        purpose=purpose,
        session=session,
        user=user,
        created_at=now,
        expires_at=now + CHALLENGE_LIFETIME,
    )
    return challenge


def _challenge_take(*, session: IdpSession, user: IdpUser, purpose: str, challenge: bytes) -> None:
    """Spend the challenge the browser signed.

    Spent before the response is verified, so a refused response cannot be tried again
    with the same challenge either.
    """
    row = PasskeyChallenge.objects.filter(
        challenge_hash=digest(bytes_to_base64url(challenge)),
        purpose=purpose,
        session=session,
        user=user,
    ).first()
    if row is None:
        raise PasskeyRefused(
            "This passkey request was not made for this sign-in. Start again from this page."
        )
    spent = PasskeyChallenge.objects.filter(pk=row.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not spent:
        log.warning("devidp.passkey_challenge_replayed sub=%s", user.sub)
        raise PasskeyRefused("This passkey answer was already used. Try again.")
    if row.expires_at <= timezone.now():
        raise PasskeyRefused(
            "The passkey request expired (it lasts two minutes). Try again: your device will "
            "ask you once more."
        )


class Mismatch(StrEnum):
    """What our own checks found wrong in an answer, each with a message of its own."""

    ORIGIN = "origin"
    RP_ID = "rp_id"
    NOT_PRESENT = "user_not_present"
    NOT_VERIFIED = "user_not_verified"
    SIGN_COUNT = "sign_count"


class AnswerMismatch(Exception):
    """An answer failed one of our checks (`mismatch` says which), before the library's."""

    def __init__(self, mismatch: Mismatch):
        super().__init__(mismatch.value)
        self.mismatch = mismatch


Credential = TypeVar("Credential", RegistrationCredential, AuthenticationCredential)


def _answer_open(
    *,
    session: IdpSession,
    user: IdpUser,
    purpose: str,
    credential: str,
    parse: Callable[[str], Credential],
    authenticator_data: Callable[[Credential], AuthenticatorData],
) -> tuple[Credential, bytes, AuthenticatorData]:
    """The opening both ceremonies share: read the answer, spend its challenge, then check
    what only the library's wording would otherwise tell apart (origin, RP ID, presence,
    verification), so the person is told which. Returns the parsed credential, its
    challenge (for the library's own comparison and the signature) and authenticator data."""
    try:
        parsed = parse(credential)
        client_data = parse_client_data_json(parsed.response.client_data_json)
        data = authenticator_data(parsed)
    except Exception as exc:  # the library raises several kinds for malformed input
        raise PasskeyRefused("The passkey's answer could not be read. Try again.") from exc
    _challenge_take(session=session, user=user, purpose=purpose, challenge=client_data.challenge)
    if client_data.origin != expected_origin():
        raise AnswerMismatch(Mismatch.ORIGIN)
    if data.rp_id_hash != hashlib.sha256(rp_id().encode()).digest():
        raise AnswerMismatch(Mismatch.RP_ID)
    if not data.flags.up:
        raise AnswerMismatch(Mismatch.NOT_PRESENT)
    if not data.flags.uv:
        raise AnswerMismatch(Mismatch.NOT_VERIFIED)
    return parsed, client_data.challenge, data


def _refusal(error: Exception) -> PasskeyRefused:
    """A clear message for what was wrong, chosen by which check failed (the library's own
    words go to the log, never to a choice of message: they change between releases)."""
    messages = {
        Mismatch.ORIGIN: f"This passkey answer was made for another website. Only "
        f"{expected_origin()} is accepted.",
        Mismatch.RP_ID: f"This passkey belongs to another site, not {rp_id()}.",
        Mismatch.NOT_VERIFIED: "Your device did not verify you (with a PIN, fingerprint or "
        "face). A passkey here needs that: try again, or use a device that can.",
        Mismatch.SIGN_COUNT: "This passkey's signature counter went backwards, which is what "
        "a copied key does. It was refused: use another factor, and remove this passkey if "
        "you did not copy it.",
        Mismatch.NOT_PRESENT: "Your device did not confirm that you were there. Try again.",
    }
    mismatch = error.mismatch if isinstance(error, AnswerMismatch) else None
    default = "The passkey's answer could not be verified. Try again."
    return PasskeyRefused(messages.get(mismatch, default) if mismatch else default)


# --- registration ---------------------------------------------------------------------------


def registration_options(*, session: IdpSession, user: IdpUser) -> dict[str, Any]:
    """Options for `navigator.credentials.create()`, as JSON-ready data."""
    options = webauthn.generate_registration_options(
        rp_id=rp_id(),
        rp_name=RP_NAME,
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.name or user.email,
        challenge=_challenge_new(session=session, user=user, purpose=Purpose.REGISTER),
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # The same authenticator twice would be one factor counted as two.
        exclude_credentials=[_descriptor(p) for p in user.passkeys.all()],
    )
    return options_to_json_dict(options)


def passkey_name_clean(name: str) -> str:
    """A name the person will recognise, without characters that could disguise it."""
    name = " ".join(name.split())
    if not name:
        raise PasskeyRefused("Give the passkey a name, such as the device it is on.")
    if len(name) > NAME_MAX_LENGTH:
        raise PasskeyRefused(f"Keep the name to {NAME_MAX_LENGTH} characters.")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise PasskeyRefused("The name has characters that cannot be shown.")
    return name


def passkey_register(
    *, session: IdpSession, user: IdpUser, credential: str, name: str, attachment: str = ""
) -> Passkey:
    """Verify the authenticator's answer to a registration challenge and keep the passkey."""
    name = passkey_name_clean(name)
    try:
        parsed, challenge, _data = _answer_open(
            session=session,
            user=user,
            purpose=Purpose.REGISTER,
            credential=credential,
            parse=parse_registration_credential_json,
            authenticator_data=lambda answer: (
                parse_attestation_object(answer.response.attestation_object).auth_data
            ),
        )
        verified = webauthn.verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origin(),
            require_user_verification=True,
        )
    except (AnswerMismatch, InvalidRegistrationResponse) as exc:
        log.warning("devidp.passkey_registration_refused sub=%s reason=%s", user.sub, exc)
        raise _refusal(exc) from exc
    transports = [t.value for t in parsed.response.transports or []]
    try:
        with transaction.atomic():
            passkey = Passkey.objects.create(
                user=user,
                name=name,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                device_type=verified.credential_device_type.value,
                backed_up=verified.credential_backed_up,
                transports=transports,
                attachment=attachment if attachment in ("platform", "cross-platform") else "",
                aaguid=verified.aaguid,
            )
    except IntegrityError as exc:  # the exclude list should have stopped it
        raise PasskeyRefused("That passkey is already registered.") from exc
    log.info("devidp.passkey_registered sub=%s device_type=%s", user.sub, passkey.device_type)
    return passkey


# --- authentication -------------------------------------------------------------------------


def authentication_options(*, session: IdpSession, user: IdpUser) -> dict[str, Any]:
    """Options for `navigator.credentials.get()`: this person's passkeys only."""
    passkeys = list(user.passkeys.all())
    if not passkeys:
        raise PasskeyRefused("You have no passkey yet.")
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(),
        challenge=_challenge_new(session=session, user=user, purpose=Purpose.AUTHENTICATE),
        timeout=int(CHALLENGE_LIFETIME.total_seconds() * 1000),
        allow_credentials=[_descriptor(p) for p in passkeys],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json_dict(options)


def passkey_authenticate(*, session: IdpSession, user: IdpUser, credential: str) -> Passkey:
    """Verify an assertion by one of this person's passkeys; return that passkey."""
    try:
        parsed, challenge, data = _answer_open(
            session=session,
            user=user,
            purpose=Purpose.AUTHENTICATE,
            credential=credential,
            parse=parse_authentication_credential_json,
            authenticator_data=lambda answer: parse_authenticator_data(
                answer.response.authenticator_data
            ),
        )
    except AnswerMismatch as exc:
        log.warning("devidp.passkey_refused sub=%s reason=%s", user.sub, exc)
        raise _refusal(exc) from exc
    # Only this person's passkeys: someone else's key proves nothing about this person.
    passkey = user.passkeys.filter(credential_id=bytes_to_base64url(parsed.raw_id)).first()
    if passkey is None:
        raise PasskeyRefused("That passkey is not one of yours here. Use another one.")
    try:
        # WebAuthn §7.2 step 21: a counter that does not move forward is a cloned key.
        if (data.sign_count or passkey.sign_count) and data.sign_count <= passkey.sign_count:
            raise AnswerMismatch(Mismatch.SIGN_COUNT)
        verified = webauthn.verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origin(),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (AnswerMismatch, InvalidAuthenticationResponse) as exc:
        log.warning("devidp.passkey_refused sub=%s reason=%s", user.sub, exc)
        raise _refusal(exc) from exc
    # Conditional on the counter read above: two answers racing cannot both move it.
    moved = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now()
    )
    if not moved:
        raise _refusal(AnswerMismatch(Mismatch.SIGN_COUNT))  # another answer moved it first
    passkey.refresh_from_db()
    log.info("devidp.passkey_ok sub=%s", user.sub)
    return passkey


def amr_for(passkey: Passkey) -> list[str]:
    """RFC 8176 methods for a verified passkey: which kind of key, and `user`.

    `hwk` (hardware-secured key) for a credential bound to one device, `swk`
    (software-secured key) for one the authenticator says it may back up or sync
    (WebAuthn's BE flag): a synced passkey's private key leaves the hardware, copied by the
    sync service. Without attestation (we ask for none, as most sites do) that is the
    authenticator's word, not a proof: a software authenticator can call itself
    single-device. `user` (RFC 8176: user presence): the authenticator saw a person, and
    we also required it to verify them (PIN or biometric; RFC 8176 has no value for "one
    of those, unknown which").
    """
    kind = "swk" if passkey.device_type == Passkey.DeviceType.MULTI_DEVICE else "hwk"
    return [kind, "user"]


def passkey_remove(*, user: IdpUser, passkey_id: int) -> bool:
    """Delete one of this person's passkeys; False when there is no such passkey of theirs."""
    deleted, _ = Passkey.objects.filter(user=user, pk=passkey_id).delete()
    if deleted:
        log.info("devidp.passkey_removed sub=%s", user.sub)
    return bool(deleted)


ACCOUNT_UNLOCK_WINDOW = timedelta(minutes=10)


def may_manage_passkeys(session: IdpSession) -> bool:
    """May this session add or remove passkeys right now?

    Only after a second factor in the last ten minutes: a password alone must not let
    someone plant their own passkey and then pass every step-up. A person with no second
    factor yet needs a password that recent instead, as for a first TOTP enrolment.
    """
    user = session.user
    if user is None or session.auth_time is None:
        return False
    if timezone.now() - session.auth_time > ACCOUNT_UNLOCK_WINDOW:
        return False
    has_second_factor = user.has_totp or user.passkeys.exists()
    return "mfa" in session.amr or not has_second_factor
