from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.models import Account, Customer
from accounts.services import customer_provision
from tests.ledger import assert_ledger_consistent
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def test_a_new_customer_gets_checking_with_a_welcome_deposit_and_savings(settings):
    settings.WELCOME_DEPOSIT = Decimal("1000.00")
    customer = customer_provision(sub="auth0|new", name="Dana Ruiz", email="dana@example.com")

    kinds = {a.kind: a.balance for a in customer.accounts.all()}
    assert kinds == {"checking": Decimal("1000.00"), "savings": Decimal("0.00")}
    assert customer.name == "Dana Ruiz"
    assert_ledger_consistent()


def test_provisioning_a_known_customer_changes_nothing():
    first = customer_provision(sub="auth0|again")
    second = customer_provision(sub="auth0|again")
    assert first.pk == second.pk
    assert Account.objects.filter(customer=first).count() == 2


def test_seed_demo_builds_consistent_history_and_is_idempotent():
    call_command("seed_demo")
    counts = (Customer.objects.count(), Account.objects.count(), Transfer.objects.count())
    call_command("seed_demo")

    assert (Customer.objects.count(), Account.objects.count(), Transfer.objects.count()) == counts
    alice = Customer.objects.get(sub="devidp|alice")
    assert {a.number for a in alice.accounts.all()} == {"1000000011", "1000000012"}
    assert alice.accounts.get(number="1000000011").entries.count() >= 10
    assert Customer.objects.filter(sub__in=["devidp|bob", "devidp|charlie"]).count() == 2
    assert not Transfer.objects.filter(status=Transfer.Status.DECLINED).exists()
    assert_ledger_consistent()
