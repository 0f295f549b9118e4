"""Moving money: the one service that writes transfers (and, through the ledger, balances)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.utils import timezone

from accounts.errors import ApplicationError, ApprovalRequired, IdempotencyConflict, TransferInvalid
from accounts.ledger import money_post
from accounts.models import ACCOUNT_NUMBER, Account, Customer

from .amounts import AmountInvalid, amount_parse
from .models import Transfer

MEMO_MAX_LENGTH = 140
APPROVAL_TYPE = "fabrikam_transfer"  # the RFC 9396 authorization_details type of a transfer
Decline = Transfer.DeclineReason


def transfer_amount_parse(value: object) -> Decimal:
    """A positive amount with at most two decimal places (see `amounts`), or
    `TransferInvalid`. Floats are refused: 0.1 + 0.2 is not money."""
    if isinstance(value, float | bool):
        raise TransferInvalid('Send the amount as a decimal string, e.g. "12.50".', field="amount")
    try:
        return amount_parse(str(value))
    except AmountInvalid as error:
        raise TransferInvalid(str(error), field="amount") from None


@dataclass(frozen=True)
class History:
    """What the rules need from the customer's past transfers, read in one statement."""

    spent_today: Decimal
    paid_before: bool  # a completed transfer to this destination exists


def _history(customer: Customer, destination_number: str) -> History:
    # Two subqueries in one round trip, each an index range or probe (see Transfer.Meta):
    # only today's rows are summed, and one earlier payment to this payee is enough. So
    # the cost stays flat however many transfers the customer made before today.
    # The daily limit's day is the UTC day, like statement months: a money rule must not
    # move with TIME_ZONE, which only says how pages show times to the customer.
    midnight = datetime.combine(timezone.now().astimezone(UTC).date(), time.min, tzinfo=UTC)
    completed = Transfer.objects.filter(customer=OuterRef("pk"), status=Transfer.Status.COMPLETED)
    today = (
        completed.filter(created_at__gte=midnight)
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    figures = (
        Customer.objects.filter(pk=customer.pk)
        .values(
            today=Subquery(today),
            paid_before=Exists(completed.filter(destination_number=destination_number)),
        )
        .get()
    )
    return History(
        spent_today=figures["today"] or Decimal("0.00"), paid_before=figures["paid_before"]
    )


def approval_required(*, amount: Decimal, known_payee: bool) -> bool:
    """A transfer at or above the threshold, or to a payee that is not known (the customer's
    own accounts, or paid before), must be approved as exactly that payment (RFC 9396 details
    in the token), not just with MFA."""
    if amount >= settings.TRANSACTION_APPROVAL_THRESHOLD:
        return True
    return settings.TRANSACTION_APPROVAL_FOR_NEW_PAYEES and not known_payee


def phishing_resistant_required(*, amount: Decimal) -> bool:
    """A transfer at or above this threshold needs a passkey, not just any second factor: a
    one-time code can be relayed by a look-alike site, a passkey's signature cannot."""
    return amount >= settings.PHISHING_RESISTANT_THRESHOLD


def _decline_reason(
    customer: Customer,
    source: Account,
    destination: Account | None,
    amount: Decimal,
    history: History | None,
) -> str:
    if destination is None:
        return Decline.UNKNOWN_PAYEE
    if not (source.is_open and destination.is_open):
        return Decline.ACCOUNT_NOT_OPEN
    if history and amount > settings.TRANSFER_LIMIT:
        return Decline.TRANSFER_LIMIT_EXCEEDED
    if history and history.spent_today + amount > settings.DAILY_TRANSFER_LIMIT:
        return Decline.DAILY_LIMIT_EXCEEDED
    if source.kind != Account.Kind.CLEARING and source.balance < amount:
        return Decline.INSUFFICIENT_FUNDS
    if destination.customer_id != customer.pk and not _keeps_welcome_money(customer, amount):
        return Decline.WELCOME_MONEY
    return ""


def _keeps_welcome_money(customer: Customer, amount: Decimal) -> bool:
    """Whether the customer still holds their welcome deposit after sending `amount` to
    someone else: only what they hold beyond it (money received, deposits) may leave.

    Read under the customer's lock, which every transfer of theirs takes; money arriving
    meanwhile can only make the total larger, so a stale read only errs on refusing.
    """
    if customer.welcome_deposit <= 0:
        return True
    held = Account.objects.filter(customer=customer).aggregate(total=Sum("balance"))["total"]
    return (held or Decimal("0.00")) - amount >= customer.welcome_deposit


def transfer_create(
    *,
    customer: Customer,
    source_number: str,
    destination_number: str,
    amount: object,
    memo: str = "",
    idempotency_key: str | None = None,
    enforce_limits: bool = True,
    approved: bool = False,
) -> Transfer:
    """Move `amount` from one of the customer's accounts to any open account.

    Returns the transfer, completed or declined (a decline is recorded with its reason).
    Raises `TransferInvalid` for a malformed request (nothing is recorded),
    `IdempotencyConflict` when the key was used for a different transfer, and
    `ApprovalRequired` when the transfer needs an approval of exactly this payment that the
    caller does not have (`approved`: the caller checked one). A repeated key returns the
    first transfer and moves no money. `enforce_limits=False` (the bank's own movements)
    skips the limits and the approval rule.
    """
    amount = transfer_amount_parse(amount)
    memo = (memo or "").strip()
    source_number, destination_number = source_number.strip(), destination_number.strip()
    if len(memo) > MEMO_MAX_LENGTH:
        raise TransferInvalid(f"Keep the memo under {MEMO_MAX_LENGTH} characters.", field="memo")
    if any(unicodedata.category(character) == "Cc" for character in memo):
        raise TransferInvalid("The memo cannot contain control characters.", field="memo")
    if not ACCOUNT_NUMBER.fullmatch(source_number):
        raise TransferInvalid("That is not one of your accounts.", field="source")
    if not ACCOUNT_NUMBER.fullmatch(destination_number):
        raise TransferInvalid("Write the payee's account number in digits.", field="destination")
    if source_number == destination_number:
        raise TransferInvalid("Choose two different accounts.", field="destination")
    outcome = _transfer_write(
        customer=customer,
        source_number=source_number,
        destination_number=destination_number,
        amount=amount,
        memo=memo,
        idempotency_key=idempotency_key,
        enforce_limits=enforce_limits,
        approved=approved,
    )
    if isinstance(outcome, ApplicationError):
        raise outcome
    return outcome


# No savepoint: inside the API's transaction (which also spends the token) it would cost
# two statements for nothing. That is safe because a refusal found under the locks is
# returned, not raised: the block ends normally having written nothing, so an enclosing
# transaction is never left half-failed. A database error still rolls everything back.
@transaction.atomic(savepoint=False)
def _transfer_write(
    *,
    customer: Customer,
    source_number: str,
    destination_number: str,
    amount: Decimal,
    memo: str,
    idempotency_key: str | None,
    enforce_limits: bool,
    approved: bool,
) -> Transfer | ApplicationError:
    # Lock the customer first: it serialises this customer's daily limit and idempotency
    # keys. Then both accounts in primary-key order, in one query, so two opposite
    # transfers can never wait on each other. Only then check anything.
    Customer.objects.select_for_update().only("pk").get(pk=customer.pk)
    if idempotency_key and (existing := _transfer_for_key(customer, idempotency_key)):
        # The same request was made before (perhaps committed while we waited for the lock).
        if not existing.same_request(
            source=source_number, destination=destination_number, amount=amount, memo=memo
        ):
            return IdempotencyConflict(
                "This Idempotency-Key was already used for a different transfer.",
                field="idempotency_key",
            )
        return existing
    locked = {
        account.number: account
        for account in Account.objects.select_for_update()
        .filter(number__in=[source_number, destination_number])
        .order_by("pk")
    }
    source = locked.get(source_number)
    if source is None or source.customer_id != customer.pk:
        return TransferInvalid("That is not one of your accounts.", field="source")
    destination = locked.get(destination_number)
    if destination is not None and destination.kind == Account.Kind.CLEARING:
        destination = None  # the bank's own account is not a payee

    history = _history(customer, destination_number) if enforce_limits else None
    # Money between the customer's own accounts never goes to a stranger.
    own = destination is not None and destination.customer_id == customer.pk
    if (
        history
        and not approved
        and approval_required(amount=amount, known_payee=own or history.paid_before)
    ):
        return ApprovalRequired(
            "This payment must be approved as exactly this payment (amount and payee) at the "
            "identity provider.",
            code="approval_required",
        )
    reason = _decline_reason(customer, source, destination, amount, history)
    transfer = Transfer.objects.create(
        customer=customer,
        source=source,
        destination=destination,
        destination_number=destination_number,
        amount=amount,
        memo=memo,
        status=Transfer.Status.DECLINED if reason else Transfer.Status.COMPLETED,
        decline_reason=reason,
        idempotency_key=idempotency_key or "",
    )
    if not reason and destination is not None:  # no reason to decline: a payee was found
        money_post(
            source=source,
            destination=destination,
            amount=amount,
            memo=memo,
            reference=transfer.pk,
            created_at=transfer.created_at,
        )
    return transfer


def _transfer_for_key(customer: Customer, key: str) -> Transfer | None:
    return (
        Transfer.objects.select_related("source")
        .filter(customer=customer, idempotency_key=key)
        .first()
    )
