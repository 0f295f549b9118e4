from django.contrib import admin

from fabrikam.admin import ReadOnlyAdmin

from .models import Account, Customer, LedgerEntry


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

    list_display = ["created_at", "account", "amount", "balance_after", "transfer"]
    list_select_related = ["account", "transfer"]
    search_fields = ["account__number"]
