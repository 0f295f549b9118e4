"""Form fields as `templates/form_field.html` renders them: after a failed submit, focus lands
on the first field that needs fixing."""

from __future__ import annotations

from django import template
from django.forms import BaseForm, BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def first_invalid(form: BaseForm) -> BoundField | None:
    """The first visible field with an error, in the order the form shows them."""
    return next((field for field in form.visible_fields() if field.errors), None)


@register.simple_tag
def field_input(field: BoundField) -> SafeString:
    """The field's input. Django 5.2 adds `aria-invalid` and `aria-describedby` (its
    `_helptext` and `_error` ids) itself; the first invalid field also gets `autofocus`,
    which moves focus there on the page a failed submit returns, without any script."""
    first = first_invalid(field.form)
    if first is not None and first.name == field.name:
        return field.as_widget(attrs={"autofocus": True})
    return field.as_widget()
