from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Audited values that are not model fields.
EXTRA_LABELS = {
    "roles": _("Roles"),
    "password": _("Password"),
    "two_factor": _("Two-factor sign-in"),
    "reset": _("Password reset"),
    "targets": _("Targets"),
    "escalations": _("Escalation rules"),
    "escalation": _("Escalation"),
    "reason": _("Reason"),
}


@register.filter
def field_label(name: str, obj: Any) -> Any:
    """The translated label of an audited field of `obj`'s model."""
    try:
        return obj._meta.get_field(name).verbose_name
    except (FieldDoesNotExist, AttributeError):
        return EXTRA_LABELS.get(name, name)
