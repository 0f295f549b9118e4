"""The transfer form, checked locally before the single-use elevated token is spent."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator

from accounts.templatetags.money import money

from .amounts import AmountInvalid, amount_read


class AmountField(forms.DecimalField):
    """A DecimalField that reads an amount as a person writes it, and as the site does
    ("$1,000.00"); the API reads only the plain form."""

    # django-stubs types DecimalField as an IntegerField, so its to_python says int.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        try:
            return amount_read(str(value))
        except AmountInvalid as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class TransferForm(forms.Form):
    source = forms.ChoiceField(label="From")
    destination = forms.CharField(
        label="To account number",
        max_length=20,
        help_text="One of your accounts, or the payee's account number.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "list": "own-accounts"}),
    )
    amount = AmountField(
        label="Amount (USD)",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    memo = forms.CharField(label="Memo (optional)", max_length=140, required=False)
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[\x21-\x7e]{8,255}$")],
    )

    def __init__(self, *args: Any, accounts: list[dict[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.accounts = {a["number"]: a for a in accounts if a["status"] == "open"}
        # Short enough for a phone's select box: "Checking …0011: $6,971.35".
        source = cast(forms.ChoiceField, self.fields["source"])  # declared above
        source.choices = [
            (n, f"{a['kind'].capitalize()} …{n[-4:]}: {money(a['balance'], a['currency'])}")
            for n, a in self.accounts.items()
        ]
        self.own_numbers = {a["number"] for a in accounts}
        held_back = [a for a in self.accounts.values() if _to_others(a) < Decimal(a["balance"])]
        if held_back:
            self.fields["source"].help_text = (
                "Available to send to others: "
                + ", ".join(f"{a['kind']} {money(_to_others(a), a['currency'])}" for a in held_back)
                + ". Your welcome money stays in your accounts; moving it between them is fine."
            )
        # One key per rendered form: resubmitting it can never move money twice.
        self.initial.setdefault("idempotency_key", str(uuid.uuid4()))

    def clean_destination(self) -> str:
        destination = self.cleaned_data["destination"].replace(" ", "").replace("-", "")
        if not (destination.isascii() and destination.isdigit()):
            raise forms.ValidationError("Enter the account number using digits only.")
        return destination

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source, destination, amount = (data.get(k) for k in ("source", "destination", "amount"))
        if source and destination and source == destination:
            self.add_error("destination", "Choose an account other than the one you pay from.")
        if source and amount is not None and amount > Decimal(self.accounts[source]["balance"]):
            account = self.accounts[source]
            available = money(account["balance"], account["currency"])
            self.add_error("amount", f"That is more than the available balance of {available}.")
        elif (
            source
            and amount is not None
            and destination
            and destination not in self.own_numbers
            and amount > _to_others(self.accounts[source])
        ):
            # The bank's welcome-money rule, checked here as the balance is, so nobody meets
            # it as a declined transfer after an approval and a code.
            account = self.accounts[source]
            free = money(_to_others(account), account["currency"])
            self.add_error(
                "amount",
                f"You can send up to {free} from this account to others: your welcome money "
                "stays in your accounts.",
            )
        return data


def _to_others(account: dict[str, Any]) -> Decimal:
    """What the API says this account can send to someone else (its balance if unsaid)."""
    return Decimal(account.get("available_to_others") or account["balance"])
