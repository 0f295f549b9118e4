from django.contrib import admin

from .models import Transfer


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    """Transfers are records of what happened: readable, never edited by hand."""

    list_display = ["created_at", "customer", "source", "destination_number", "amount", "status"]
    list_filter = ["status", "decline_reason"]
    list_select_related = ["customer", "source"]
    search_fields = ["id", "source__number", "destination_number", "customer__name"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
