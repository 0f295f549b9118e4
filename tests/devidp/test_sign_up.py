"""Sign-up tells a stranger nothing a real IdP would not, and is throttled per client IP."""

from __future__ import annotations

import re

import pytest
from django.test import Client as BrowserClient

from devidp import factors
from devidp.checks import signup_limit_check
from devidp.models import IdpUser

from .conftest import RelyingParty, in_threads

pytestmark = pytest.mark.django_db

STRONG = "long enough pass 1"
GENERIC = b"We could not create an account with these details. If you already have one, sign in."


def sign_up(name: str, email: str, password: str = STRONG, ip: str = "127.0.0.1"):
    """A new browser starts a sign-in at the IdP, opens the sign-up page and posts it."""
    browser = BrowserClient(enforce_csrf_checks=True, REMOTE_ADDR=ip)
    start = RelyingParty(browser).authorize()
    url = start["Location"].replace("/u/login", "/u/signup")
    page = browser.get(url).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    csrf = found[1]
    data = {"name": name, "email": email, "password": password, "csrfmiddlewaretoken": csrf}
    return browser.post(url, data)


def errors(response) -> str:
    """The page's error messages, without the parts that differ per request."""
    page = response.content.decode()
    page = re.sub(r'value="[^"]*"', "", page)  # CSRF token, echoed inputs
    return "\n".join(re.findall(r'<(?:p|div|ul) class="(?:idp-error|errorlist)[^>]*>.*?</', page))


def test_a_taken_address_gets_a_generic_refusal_that_confirms_nothing(alice):
    response = sign_up("Al", "alice@fabrikam.example")

    assert response.status_code == 200
    assert GENERIC in response.content
    assert b"already exists" not in response.content
    assert IdpUser.objects.filter(email="alice@fabrikam.example").count() == 1


def test_password_rules_are_checked_first_so_they_answer_the_same_for_any_address(alice):
    taken = sign_up("Al", "alice@fabrikam.example", password="password")
    new = sign_up("Al", "new.person@fabrikam.example", password="password")

    assert "too common" in errors(taken)
    assert errors(taken) == errors(new)
    assert GENERIC not in taken.content


@pytest.mark.parametrize("spelling", ["ALICE@fabrikam.example", "  Alice@Fabrikam.Example  "])
def test_another_spelling_of_a_taken_address_is_refused_the_same_way(alice, spelling):
    assert GENERIC in sign_up("Al", spelling).content
    assert IdpUser.objects.filter(email__iexact="alice@fabrikam.example").count() == 1


def test_probing_addresses_is_throttled_per_client_ip(alice, settings):
    settings.DEVIDP_SIGNUPS_PER_HOUR = 5
    for _ in range(5):
        assert GENERIC in sign_up("Al", "alice@fabrikam.example", ip="198.51.100.9").content

    limited = sign_up("Dana", "dana@example.com", ip="198.51.100.9")

    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert b"Too many sign-up attempts" in limited.content
    assert b"Sign in" in limited.content
    assert not IdpUser.objects.filter(email="dana@example.com").exists()
    # Another client address is not affected.
    assert sign_up("Dana", "dana@example.com", ip="198.51.100.10").status_code == 302


def test_successful_sign_ups_count_too(demo, settings):
    settings.DEVIDP_SIGNUPS_PER_HOUR = 2
    assert sign_up("One", "one@example.com").status_code == 302
    assert sign_up("Two", "two@example.com").status_code == 302

    assert sign_up("Three", "three@example.com").status_code == 429
    assert not IdpUser.objects.filter(email="three@example.com").exists()


def test_a_weak_password_does_not_use_up_the_allowance(demo, settings):
    settings.DEVIDP_SIGNUPS_PER_HOUR = 1
    for _ in range(3):
        assert b"too common" in sign_up("Eve", "eve@example.com", password="password").content

    assert sign_up("Eve", "eve@example.com").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_sign_ups_from_one_address_create_at_most_the_limit(settings):
    settings.DEVIDP_SIGNUPS_PER_HOUR = 5

    def attempt(i: int) -> str:
        try:
            factors.user_sign_up(
                email=f"bulk{i}@example.com", name="Bulk", password=STRONG, ip="192.0.2.1"
            )
        except factors.ratelimit.RateLimited:
            return "limited"
        return "created"

    results = in_threads(attempt)

    assert results.count("created") == 5
    assert IdpUser.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sign_ups_for_one_address_create_one_account(settings):
    def attempt(i: int) -> str:
        try:
            factors.user_sign_up(
                email="twin@example.com", name="Twin", password=STRONG, ip=f"192.0.2.{i}"
            )
        except factors.SignUpRefused:
            return "refused"
        return "created"

    results = in_threads(attempt, n=8)

    assert sorted(results) == ["created"] + ["refused"] * 7
    assert IdpUser.objects.filter(email="twin@example.com").count() == 1


@pytest.mark.parametrize("value", [0, -1, "5", 2.5, True])
def test_a_start_up_check_refuses_a_limit_that_is_not_a_positive_whole_number(settings, value):
    settings.DEVIDP_SIGNUPS_PER_HOUR = value
    assert [error.id for error in signup_limit_check(None)] == ["devidp.E003"]


def test_the_default_limit_passes_the_start_up_check(settings):
    del settings.DEVIDP_SIGNUPS_PER_HOUR
    assert signup_limit_check(None) == []
