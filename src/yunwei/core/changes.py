"""What update actions share: refusing fields they do not change, applying the rest, and
the error for a change the object's state does not allow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class StateConflict(ValidationError):
    """Not possible in the object's current state (a transition out of order, a second
    answer to a survey): the API answers 409, forms show it like any validation error."""


def refuse_unknown(allowed: Iterable[str], changes: Mapping[str, Any]) -> None:
    """A ValidationError naming every field of `changes` outside `allowed`."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed.") for name in sorted(unknown)}
        )


def apply_changes(obj: Any, allowed: Iterable[str], changes: Mapping[str, Any]) -> None:
    refuse_unknown(allowed, changes)
    for name, value in changes.items():
        setattr(obj, name, value)
