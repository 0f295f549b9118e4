"""Form fields as `templates/form_field.html` renders them. After a failed submit focus goes
to the error summary (`templates/form_errors.html`), whose links lead to each field."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def field_input(field: BoundField) -> SafeString:
    """The field's input. Django 5.2 adds `aria-invalid` and `aria-describedby` (its
    `_helptext` and `_error` ids) itself."""
    return field.as_widget()
