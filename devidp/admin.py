"""Admin pages for the IdP: users, clients and keys. Secrets are write-only or hidden."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from .models import AttemptCounter, Client, IdpSession, IdpUser, SigningKey


class IdpUserForm(forms.ModelForm):
    new_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current password.",
    )

    class Meta:
        model = IdpUser
        fields = ["email", "name", "sub", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk and not cleaned.get("new_password"):
            self.add_error("new_password", "A new user needs a password.")
        return cleaned

    def save(self, commit: bool = True) -> IdpUser:
        user = super().save(commit=False)
        if self.cleaned_data["new_password"]:
            user.set_password(self.cleaned_data["new_password"])
        if commit:
            user.save()
        return user


@admin.register(IdpUser)
class IdpUserAdmin(admin.ModelAdmin):
    # The password hash and TOTP secret never appear on a page; passwords are write-only.
    form = IdpUserForm
    list_display = ["email", "name", "sub", "totp_enrolled", "is_active", "created_at"]
    search_fields = ["email", "name", "sub"]
    list_filter = ["is_active"]
    actions = ["reset_totp"]

    @admin.display(boolean=True, description="TOTP enrolled")
    def totp_enrolled(self, obj: IdpUser) -> bool:
        return obj.has_totp

    @admin.action(description="Reset TOTP (the user enrols again at the next step-up)")
    def reset_totp(self, request, queryset) -> None:
        queryset.update(totp_secret="", totp_last_step=None)


class ClientForm(forms.ModelForm):
    new_client_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current secret. Only a hash is stored.",
    )

    class Meta:
        model = Client
        fields = [
            "client_id",
            "name",
            "redirect_uris",
            "post_logout_redirect_uris",
            "allowed_scopes",
            "require_pushed_authorization_requests",
        ]

    def save(self, commit: bool = True) -> Client:
        client = super().save(commit=False)
        if self.cleaned_data["new_client_secret"]:
            client.set_client_secret(self.cleaned_data["new_client_secret"])
        if commit:
            client.save()
        return client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientForm
    list_display = ["client_id", "name", "require_pushed_authorization_requests", "created_at"]
    search_fields = ["client_id", "name"]


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are made and retired by `manage.py devidp_rotate_key`."""

    list_display = fields = readonly_fields = ("kid", "created_at", "retired_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IdpSession)
class IdpSessionAdmin(admin.ModelAdmin):
    list_display = ["sid", "user", "amr", "auth_time", "expires_at", "ended_at"]
    fields = readonly_fields = (
        "sid",
        "user",
        "amr",
        "auth_time",
        "created_at",
        "expires_at",
        "ended_at",
    )
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AttemptCounter)
class AttemptCounterAdmin(admin.ModelAdmin):
    """Rate-limit counters: read-only; deleting one lifts that account's or IP's lock."""

    list_display = fields = readonly_fields = ("key", "count", "window_start")
    search_fields = ["key"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
