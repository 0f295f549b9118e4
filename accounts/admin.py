"""The bank's admin: customers and accounts editable, the ledger and logs read-only."""

from __future__ import annotations

from django.contrib import admin

from .models import Account, Customer, LedgerEntry, StepUpEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records of what happened (ledger, transfers, logs): readable, never edited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    fields = ["number", "kind", "currency", "balance", "status"]
    readonly_fields = ["balance"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "sub", "created_at"]
    search_fields = ["name", "email", "sub"]
    inlines = [AccountInline]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "kind", "balance", "currency", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "customer__name", "customer__email"]
    # Balances only change through the transfer service, which keeps the ledger in step.
    readonly_fields = ["balance"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """The ledger is append-only: the admin can read it, never change it."""

    list_display = ["created_at", "account", "amount", "balance_after", "counterparty", "memo"]
    list_select_related = ["account", "counterparty"]
    search_fields = ["account__number", "reference"]


@admin.register(StepUpEvent)
class StepUpEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "sub", "outcome", "client_id", "detail"]
    list_filter = ["outcome"]
    search_fields = ["sub"]
