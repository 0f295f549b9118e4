from __future__ import annotations

from django.contrib import admin

from .models import SpentToken


@admin.register(SpentToken)
class SpentTokenAdmin(admin.ModelAdmin):
    """Spent single-use tokens: only a key derived from the token is stored, never the token.
    Read-only: deleting a record would let its token be used again."""

    list_display = ["spent_at", "sub", "key", "response_status", "expires_at"]
    search_fields = ["sub", "key"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
