"""Seed the demo bank: three customers with a few weeks of realistic, ledger-true history.

Idempotent: a second run changes nothing. The subjects match the dev identity provider's
demo users (its own `devidp_seed` creates them), which is how a signed-in user finds these
accounts; a real deployment would map its Auth0 `sub` values instead.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Customer, LedgerEntry
from accounts.services import BANK_ISSUER, account_open, clearing_account
from transfers.models import Transfer
from transfers.services import transfer_create

# (sub, name, email, checking number, savings number)
DEMO_CUSTOMERS = [
    ("devidp|alice", "Alice Ng", "alice@fabrikam.example", "1000000011", "1000000012"),
    ("devidp|bob", "Bob Okafor", "bob@fabrikam.example", "1000000021", "1000000022"),
    ("devidp|charlie", "Charlie Haas", "charlie@fabrikam.example", "1000000031", "1000000032"),
]
EMPLOYER = ("fabrikam|contoso", "Contoso Ltd", "9100000001")
MERCHANTS = [
    ("fabrikam|northwind", "Northwind Utilities", "9100000002"),
    ("fabrikam|tailspin", "Tailspin Groceries", "9100000003"),
    ("fabrikam|adatum", "Adatum Property Rentals", "9100000004"),
]
HISTORY_DAYS = 35


class Command(BaseCommand):
    help = "Create the demo customers, accounts and history (idempotent)."

    def handle(self, *args, **options) -> None:
        if Account.objects.filter(number=DEMO_CUSTOMERS[0][3]).exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("Seeded the demo bank."))

    def _seed(self) -> None:
        start = timezone.now() - timedelta(days=HISTORY_DAYS)
        bank = clearing_account()
        rng = random.Random(2026)  # fixed seed: every demo shows the same history

        def move(when, source: Account, destination: Account, amount: str, memo: str) -> None:
            transfer = transfer_create(
                customer=source.customer,
                source_number=source.number,
                destination_number=destination.number,
                amount=Decimal(amount),
                memo=memo,
                enforce_limits=False,
            )
            # The service stamps "now"; the demo history is spread over past weeks.
            Transfer.objects.filter(pk=transfer.pk).update(created_at=when)
            LedgerEntry.objects.filter(reference=transfer.pk).update(created_at=when)

        def business(sub: str, name: str, number: str) -> Account:
            customer = Customer.objects.create(issuer=BANK_ISSUER, sub=sub, name=name)
            return account_open(customer=customer, kind=Account.Kind.CHECKING, number=number)

        employer = business(*EMPLOYER)
        utilities, groceries, landlord = (business(*m) for m in MERCHANTS)
        move(start, bank, employer, "500000.00", "Business deposit")

        people = []
        for sub, name, email, checking_no, savings_no in DEMO_CUSTOMERS:
            # The identity provider the API trusts vouches for the demo customers.
            customer = Customer.objects.create(
                issuer=settings.API_ISSUER or "", sub=sub, name=name, email=email
            )
            checking = account_open(customer=customer, kind="checking", number=checking_no)
            savings = account_open(customer=customer, kind="savings", number=savings_no)
            move(start, bank, checking, f"{rng.randint(18, 42) * 100}.00", "Opening deposit")
            move(start, bank, savings, f"{rng.randint(40, 120) * 100}.00", "Opening deposit")
            people.append((checking, savings))

        events = []
        for day in range(1, HISTORY_DAYS):
            when = start + timedelta(days=day, hours=rng.randint(8, 19))
            for checking, savings in people:
                if day % 14 == 1:
                    events.append(
                        (when, employer, checking, f"{rng.randint(2600, 3400)}.00", "Salary")
                    )
                if day % 30 == 2:
                    events.append((when, checking, landlord, "1450.00", "Rent"))
                if day % 7 == 3:
                    cents = rng.randint(4000, 16000)
                    events.append((when, checking, groceries, f"{cents / 100:.2f}", "Groceries"))
                if day % 30 == 10:
                    events.append(
                        (when, checking, utilities, f"{rng.randint(60, 140)}.45", "Electricity")
                    )
                if day % 14 == 5:
                    events.append((when, checking, savings, "250.00", "Monthly saving"))
        (alice_checking, _), (bob_checking, _), (charlie_checking, _) = people
        events.append(
            (start + timedelta(days=12), alice_checking, bob_checking, "42.50", "Dinner, thanks!")
        )
        events.append(
            (
                start + timedelta(days=20),
                bob_checking,
                charlie_checking,
                "120.00",
                "Concert tickets",
            )
        )
        events.append(
            (start + timedelta(days=27), charlie_checking, alice_checking, "18.00", "Coffee")
        )
        for when, source, destination, amount, memo in sorted(events, key=lambda e: e[0]):
            move(when, source, destination, amount, memo)
