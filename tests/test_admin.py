"""The admin shows every model, and the records of what happened cannot be edited."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import LedgerEntry
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw-123456")
    client.force_login(user)
    call_command("seed_demo", verbosity=0)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/customer/",
        "/admin/accounts/account/",
        "/admin/accounts/ledgerentry/",
        "/admin/transfers/transfer/",
        "/admin/accounts/stepupevent/",
        "/admin/api_auth/spenttoken/",
    ],
)
def test_every_changelist_renders_with_seeded_data(staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_the_ledger_and_transfers_are_read_only(staff_client):
    entry = LedgerEntry.objects.first()
    transfer = Transfer.objects.first()
    assert entry is not None and transfer is not None
    assert staff_client.get("/admin/accounts/ledgerentry/add/").status_code == 403
    assert staff_client.get(f"/admin/accounts/ledgerentry/{entry.pk}/delete/").status_code == 403
    assert staff_client.get(f"/admin/transfers/transfer/{transfer.pk}/delete/").status_code == 403
    page = staff_client.get(f"/admin/accounts/ledgerentry/{entry.pk}/change/")
    assert page.status_code == 200 and b'name="amount"' not in page.content  # view only
