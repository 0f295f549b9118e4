"""factory-boy factories that always build valid, ledger-true objects."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.conf import settings

from accounts.models import Account, Customer
from accounts.services import clearing_account
from transfers.models import Transfer
from transfers.services import transfer_create


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    # A customer of the issuer the API trusts when the customer is made.
    issuer = factory.LazyFunction(lambda: settings.API_ISSUER or "")
    sub = factory.Sequence(lambda n: f"test|customer-{n}")
    name = factory.Faker("name")
    email = factory.Faker("email")


class AccountFactory(factory.django.DjangoModelFactory[Account]):
    """An open checking account; `balance=` funds it through a real opening transfer."""

    class Meta:
        model = Account
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"2{n:09d}")
    kind = Account.Kind.CHECKING
    currency = "USD"

    @factory.post_generation
    def balance(obj: Account, create: bool, extracted: Decimal | None, **kwargs) -> None:
        if create and extracted:
            bank = clearing_account()
            transfer_create(
                customer=bank.customer,
                source_number=bank.number,
                destination_number=obj.number,
                amount=extracted,
                memo="Opening deposit",
                enforce_limits=False,
            )
            obj.refresh_from_db()


class TransferFactory(factory.django.DjangoModelFactory[Transfer]):
    """A completed transfer made through the service, so balances and ledger agree."""

    class Meta:
        model = Transfer

    source = factory.SubFactory(AccountFactory, balance=Decimal("500.00"))
    destination = factory.SubFactory(AccountFactory)
    amount = Decimal("25.00")
    memo = "Test transfer"

    @classmethod
    def _create(cls, model_class, *, source, destination, amount, memo, **kwargs):
        return transfer_create(
            customer=source.customer,
            source_number=source.number,
            destination_number=destination.number,
            amount=amount,
            memo=memo,
            **kwargs,
            approved=True,
        )
