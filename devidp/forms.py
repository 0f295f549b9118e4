"""Sign-in, sign-up and one-time-code forms, with the autocomplete tokens browsers expect."""

from __future__ import annotations

from django import forms


class IdpForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels read "Email", not "Email:"
        super().__init__(*args, **kwargs)

    def focus_first_error(self) -> None:
        """After a failed submit, the cursor goes to the first field that needs fixing."""
        first = next((name for name in self.fields if name in self.errors), None)
        if first is not None:
            self.focus(first)

    def focus(self, name: str) -> None:
        """Put the cursor in this field when the page loads (`autofocus`, no script): the
        one that failed, or the one left to fill in."""
        for field_name, field in self.fields.items():
            field.widget.attrs.pop("autofocus", None)
            if field_name == name:
                field.widget.attrs["autofocus"] = True


class OneTimeCodeInput(forms.TextInput):
    """A code is never written back into the page: a wrong one is typed afresh, a right one
    is spent."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class SignInForm(IdpForm):
    email = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SignUpForm(IdpForm):
    name = forms.CharField(
        label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password.",
    )


class OneTimeCodeForm(IdpForm):
    code = forms.CharField(
        label="6-digit code",
        max_length=8,
        widget=OneTimeCodeInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


class EnrolForm(OneTimeCodeForm):
    # The candidate secret travels signed, so nothing is stored before it is confirmed.
    signed_secret = forms.CharField(widget=forms.HiddenInput)
