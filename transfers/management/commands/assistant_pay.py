"""Pay a bill for a customer as the assistant does: approved on the customer's phone (CIBA).

python manage.py assistant_pay alice@fabrikam.example 1000000021 42.00 --memo Electricity
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser

from transfers.assistant import AssistantFailed, Bill, assistant_pay


class Command(BaseCommand):
    help = "Ask a customer to approve a payment on their phone (CIBA), then make it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the customer, e.g. alice@fabrikam.example")
        parser.add_argument("destination", help="the payee's account number")
        parser.add_argument("amount", help="e.g. 42.00")
        parser.add_argument("--memo", default="", help="what the payment is for")

    def handle(self, *args: object, **options: str) -> None:
        try:
            amount = Decimal(options["amount"])
        except InvalidOperation:
            raise CommandError("AMOUNT must be a number such as 42.00.") from None
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise CommandError("AMOUNT must be above zero with at most two decimals.")
        bill = Bill(
            email=options["email"],
            destination=options["destination"],
            amount=amount,
            memo=options["memo"],
        )
        try:
            receipt = assistant_pay(bill, say=self._say, progress=self._progress)
        except AssistantFailed as exc:
            self._end_progress()
            raise CommandError(str(exc)) from None
        self._end_progress()
        transfer = receipt.transfer
        self.stdout.write(
            self.style.SUCCESS(
                f"Paid ${Decimal(transfer['amount']):,.2f} to {receipt.payee} "
                f"(account ending {transfer['destination'][-4:]}) from {receipt.source_name} "
                f"ending {transfer['source'][-4:]}."
            )
        )
        self.stdout.write(f"  transfer {transfer['id']}, {transfer['status']}")
        self.stdout.write(f"  memo: {transfer['memo'] or '(none)'}")
        self.stdout.write(f"  at {transfer['created_at']}")

    def _say(self, line: str) -> None:
        self.stdout.write(line)

    # One progress line, rewritten in place on a terminal; a line per poll elsewhere (CI, logs).
    _progress_open = False

    def _progress(self, line: str) -> None:
        if sys.stdout.isatty():
            self.stdout.write("\r\033[K" + line, ending="")
            self.stdout.flush()
            self._progress_open = True
        else:
            self.stdout.write(line)

    def _end_progress(self) -> None:
        if self._progress_open:
            self.stdout.write("")
            self._progress_open = False
