from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from .models import Transfer


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "source", "destination_number", "amount", "status"]
    list_filter = ["status", "decline_reason"]
    list_select_related = ["customer", "source"]
    search_fields = ["id", "source__number", "destination_number", "customer__name"]
