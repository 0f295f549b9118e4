"""The policy on its own: which requests need a password, and which a second factor."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from devidp.policy import acr_for, outstanding_steps

from .conftest import MFA_POLICY

NOW = timezone.now()


def steps(**overrides):
    args = {
        "scope": "openid read:accounts",
        "acr_values": "",
        "prompt": "",
        "max_age": None,
        "auth_time": NOW - timedelta(minutes=1),
        "password_verified_in_request": False,
        "second_factor_verified_in_request": False,
        "now": NOW,
    }
    return outstanding_steps(**{**args, **overrides})


def test_a_signed_in_user_asking_for_account_reads_needs_nothing_more():
    assert steps().nothing


def test_nobody_signed_in_needs_a_password():
    assert steps(auth_time=None).password


def test_transfer_funds_needs_a_second_factor():
    assert steps(scope="openid transfer:funds").second_factor


def test_the_mfa_policy_in_acr_values_needs_a_second_factor():
    assert steps(acr_values=f"urn:other {MFA_POLICY}").second_factor


def test_max_age_zero_needs_a_password_until_one_is_given_in_this_request():
    assert steps(max_age=0).password
    assert not steps(max_age=0, password_verified_in_request=True).password


def test_prompt_login_needs_a_password_until_one_is_given_in_this_request():
    assert steps(prompt="login").password
    assert not steps(prompt="login", password_verified_in_request=True).password


def test_a_second_factor_given_in_this_request_satisfies_the_policy():
    assert steps(scope="transfer:funds", second_factor_verified_in_request=True).nothing


def test_acr_names_the_mfa_policy_only_when_a_second_factor_was_used():
    assert acr_for(["pwd", "mfa"]) == MFA_POLICY
    assert acr_for(["pwd"]) != MFA_POLICY


def test_a_step_up_on_a_recent_session_needs_the_second_factor_only():
    outstanding = steps(scope="openid transfer:funds")
    assert outstanding.second_factor and not outstanding.password


def test_a_step_up_on_a_session_idle_past_the_setting_needs_the_password_too(settings):
    settings.DEVIDP_REAUTH_AFTER = 15 * 60
    idle = NOW - timedelta(minutes=15)
    assert steps(scope="openid transfer:funds", auth_time=idle).password
    assert steps(acr_values=MFA_POLICY, auth_time=idle).password
    assert not steps(auth_time=idle).password  # a plain sign-in still reuses the session
    given = steps(auth_time=idle, scope="transfer:funds", password_verified_in_request=True)
    assert not given.password


def test_a_payment_needs_an_approval_and_a_second_factor():
    outstanding = steps(payment=True)
    assert outstanding.approval
    assert outstanding.second_factor
    assert not outstanding.password  # the SSO session's password stands


def test_a_payment_approved_and_confirmed_in_this_request_needs_nothing_more():
    assert steps(
        payment=True, approved_in_request=True, second_factor_verified_in_request=True
    ).nothing


def test_an_approval_alone_does_not_confirm_a_payment():
    outstanding = steps(payment=True, approved_in_request=True)
    assert not outstanding.approval
    assert outstanding.second_factor


def test_a_request_without_a_payment_needs_no_approval():
    assert not steps(scope="openid transfer:funds").approval
