from django.contrib import admin

from fabrikam.admin import ReadOnlyAdmin

from .models import ConsumedToken, StepUpEvent, Transfer


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "source", "destination_number", "amount", "status"]
    list_filter = ["status", "decline_reason"]
    list_select_related = ["customer", "source"]
    search_fields = ["id", "source__number", "destination_number", "customer__name"]


@admin.register(ConsumedToken)
class ConsumedTokenAdmin(ReadOnlyAdmin):
    """Spent transfer tokens: only their jti or hash is stored, never the token."""

    list_display = ["consumed_at", "key", "transfer", "response_status", "expires_at"]
    search_fields = ["key", "transfer__id"]


@admin.register(StepUpEvent)
class StepUpEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "sub", "outcome", "client_id", "detail"]
    list_filter = ["outcome"]
    search_fields = ["sub"]
