"""The passkey ceremonies on their own (devidp/passkeys.py), with a software authenticator:
what is accepted, and each refusal with the words the person reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from devidp import passkeys, sso
from devidp.models import Passkey, PasskeyChallenge
from devidp.passkeys import PasskeyRefused

from .authenticator import SoftAuthenticator
from .conftest import ISSUER

pytestmark = pytest.mark.django_db

ORIGIN = "http://localhost:8000"


@pytest.fixture
def session(alice):
    session, _raw = sso.session_start(user=alice)
    return session


@pytest.fixture
def device() -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN, rp_id="localhost")


def register(session, device, name="Laptop", **answer) -> Passkey:
    options = passkeys.registration_options(session=session, user=session.user)
    return passkeys.passkey_register(
        session=session,
        user=session.user,
        credential=device.create(options, **answer),
        name=name,
        attachment="platform",
    )


def authenticate(session, device, **answer) -> Passkey:
    options = passkeys.authentication_options(session=session, user=session.user)
    return passkeys.passkey_authenticate(
        session=session, user=session.user, credential=device.get(options, **answer)
    )


def test_the_relying_party_is_the_issuers_host_and_origin(settings):
    settings.DEVIDP_ISSUER = "https://idp.fabrikam.example:8443/idp"
    assert passkeys.rp_id() == "idp.fabrikam.example"
    assert passkeys.expected_origin() == "https://idp.fabrikam.example:8443"
    settings.DEVIDP_ISSUER = ISSUER
    assert (passkeys.rp_id(), passkeys.expected_origin()) == ("localhost", ORIGIN)


def test_options_demand_user_verification_for_this_rp(session):
    created = passkeys.registration_options(session=session, user=session.user)
    assert created["rp"] == {"id": "localhost", "name": "Fabrikam (demo)"}
    assert created["authenticatorSelection"]["userVerification"] == "required"
    assert created["user"]["name"] == "alice@fabrikam.example"
    assert "alice" not in created["user"]["id"]  # the user handle names nobody
    assert created["timeout"] == 120_000


def test_a_passkey_is_registered_with_its_name_and_dates(session, device):
    passkey = register(session, device, name="  Work   laptop ")
    assert passkey.name == "Work laptop"
    assert passkey.user == session.user
    assert passkey.device_type == "single_device"
    assert passkey.attachment == "platform"
    assert passkey.transports == ["internal"]
    assert passkey.created_at and passkey.last_used_at is None


def test_a_person_may_register_several_passkeys_each_once(session, device):
    register(session, device)
    register(session, SoftAuthenticator(origin=ORIGIN, rp_id="localhost"), name="Key")
    assert session.user.passkeys.count() == 2
    options = passkeys.registration_options(session=session, user=session.user)
    assert len(options["excludeCredentials"]) == 2  # the browser will not add one twice


def test_a_verified_passkey_moves_its_counter_and_last_used_date(session, device):
    register(session, device)
    passkey = authenticate(session, device)
    assert passkey.sign_count == 1
    assert passkey.last_used_at is not None
    assert authenticate(session, device).sign_count == 2


def test_a_counter_that_stays_at_zero_is_accepted(session, device):
    """Many platform authenticators (and synced passkeys) always report 0."""
    register(session, device)
    authenticate(session, device, sign_count=0)
    assert authenticate(session, device, sign_count=0).sign_count == 0


def test_a_device_bound_passkey_is_a_hardware_key_and_a_synced_one_a_software_key(session):
    bound = register(session, SoftAuthenticator(origin=ORIGIN, rp_id="localhost"))
    synced = register(
        session, SoftAuthenticator(origin=ORIGIN, rp_id="localhost", backup_eligible=True)
    )
    assert passkeys.amr_for(bound) == ["hwk", "user"]
    assert passkeys.amr_for(synced) == ["swk", "user"]
    assert synced.backed_up


# --- refusals ------------------------------------------------------------------------------


def test_an_answer_for_another_origin_is_refused(session, device):
    register(session, device)
    with pytest.raises(PasskeyRefused, match="made for another website"):
        authenticate(session, device, origin="https://fabrikam-login.example")
    with pytest.raises(PasskeyRefused, match=f"Only {ORIGIN} is accepted"):
        register(session, SoftAuthenticator(origin="http://evil.localhost:8000", rp_id="localhost"))


def test_an_answer_for_another_rp_id_is_refused(session, device):
    register(session, device)
    with pytest.raises(PasskeyRefused, match="belongs to another site, not localhost"):
        authenticate(session, device, rp_id="fabrikam-login.example")
    with pytest.raises(PasskeyRefused, match="belongs to another site"):
        register(session, SoftAuthenticator(origin=ORIGIN, rp_id="example.com"))


def test_a_replayed_challenge_is_refused(session, device):
    register(session, device)
    options = passkeys.authentication_options(session=session, user=session.user)
    answer = device.get(options)
    passkeys.passkey_authenticate(session=session, user=session.user, credential=answer)
    with pytest.raises(PasskeyRefused, match="already used"):
        passkeys.passkey_authenticate(session=session, user=session.user, credential=answer)


def test_a_refused_answer_spends_its_challenge_too(session, device):
    register(session, device)
    options = passkeys.authentication_options(session=session, user=session.user)
    with pytest.raises(PasskeyRefused, match="did not verify you"):
        passkeys.passkey_authenticate(
            session=session, user=session.user, credential=device.get(options, verified=False)
        )
    with pytest.raises(PasskeyRefused, match="already used"):
        passkeys.passkey_authenticate(
            session=session, user=session.user, credential=device.get(options)
        )


def test_an_expired_challenge_is_refused(session, device):
    register(session, device)
    options = passkeys.authentication_options(session=session, user=session.user)
    PasskeyChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PasskeyRefused, match="expired"):
        passkeys.passkey_authenticate(
            session=session, user=session.user, credential=device.get(options)
        )


def test_a_challenge_lives_two_minutes(session):
    before = timezone.now()
    passkeys.registration_options(session=session, user=session.user)
    row = PasskeyChallenge.objects.get()
    assert timedelta(seconds=119) < row.expires_at - before <= timedelta(seconds=121)


def test_a_challenge_made_for_another_idp_session_is_refused(session, device, alice):
    register(session, device)
    options = passkeys.authentication_options(session=session, user=alice)
    other_browser, _raw = sso.session_start(user=alice)
    with pytest.raises(PasskeyRefused, match="not made for this sign-in"):
        passkeys.passkey_authenticate(
            session=other_browser, user=alice, credential=device.get(options)
        )


def test_a_registration_challenge_cannot_be_used_to_authenticate(session, device):
    register(session, device)
    options = passkeys.registration_options(session=session, user=session.user)
    with pytest.raises(PasskeyRefused, match="not made for this sign-in"):
        passkeys.passkey_authenticate(
            session=session, user=session.user, credential=device.get(options)
        )


def test_a_counter_that_goes_backwards_is_refused(session, device):
    register(session, device)
    authenticate(session, device, sign_count=5)
    with pytest.raises(PasskeyRefused, match="signature counter went backwards"):
        authenticate(session, device, sign_count=3)
    with pytest.raises(PasskeyRefused, match="signature counter went backwards"):
        authenticate(session, device, sign_count=5)  # the same value again is a copy too
    assert Passkey.objects.get().sign_count == 5


def test_an_answer_without_user_verification_is_refused(session, device):
    with pytest.raises(PasskeyRefused, match="did not verify you"):
        register(session, device, verified=False)
    register(session, device)
    with pytest.raises(PasskeyRefused, match="did not verify you"):
        authenticate(session, device, verified=False)


def test_an_answer_without_user_presence_is_refused(session, device):
    with pytest.raises(PasskeyRefused, match="did not confirm that you were there"):
        register(session, device, present=False)
    register(session, device)
    with pytest.raises(PasskeyRefused, match="did not confirm that you were there"):
        authenticate(session, device, present=False)


@pytest.mark.parametrize("mismatch", list(passkeys.Mismatch))
def test_each_refusal_is_chosen_by_the_check_that_failed_not_by_wording(mismatch):
    # The library's exception text plays no part: the same words under another check's
    # name give that check's message.
    chosen = passkeys._refusal(passkeys.AnswerMismatch(mismatch))
    worded = passkeys._refusal(ValueError("origin rp id not verified sign count not present"))

    assert str(chosen) != str(worded) == "The passkey's answer could not be verified. Try again."


def test_someone_elses_passkey_proves_nothing_about_this_person(session, device, bob):
    register(session, device)
    bobs_session, _raw = sso.session_start(user=bob)
    bobs_device = SoftAuthenticator(origin=ORIGIN, rp_id="localhost")
    register(bobs_session, bobs_device)
    options = passkeys.authentication_options(session=session, user=session.user)
    with pytest.raises(PasskeyRefused, match="not one of yours"):
        passkeys.passkey_authenticate(
            session=session, user=session.user, credential=bobs_device.get(options)
        )


def test_a_forged_signature_is_refused(session, device):
    register(session, device)
    impostor = SoftAuthenticator(origin=ORIGIN, rp_id="localhost")
    impostor.credential_id = device.credential_id  # same id, another private key
    with pytest.raises(PasskeyRefused, match="could not be verified"):
        authenticate(session, impostor)


def test_garbage_is_refused_without_a_crash(session, device):
    register(session, device)
    for credential in ("", "{}", "[1]", '{"id": "x", "rawId": "x", "response": {}}'):
        with pytest.raises(PasskeyRefused, match="could not be read"):
            passkeys.passkey_authenticate(session=session, user=session.user, credential=credential)


def test_a_name_is_required_and_kept_plain(session, device):
    for name, message in (
        ("   ", "Give the passkey a name"),
        ("x" * 61, "60 characters"),
        ("Phone\u202etxt", "cannot be shown"),
    ):
        with pytest.raises(PasskeyRefused, match=message):
            register(session, device, name=name)


def test_a_person_removes_only_their_own_passkeys(session, device, bob):
    passkey = register(session, device)
    assert not passkeys.passkey_remove(user=bob, passkey_id=passkey.pk)
    assert passkeys.passkey_remove(user=session.user, passkey_id=passkey.pk)
    assert not Passkey.objects.exists()
