"""Small access helpers for actions, one condition per line.

`actor=None` means the system itself (CLI set-up, migrations, jobs acting on their own
authority): it may do anything, and the audit entry records no person.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _


def require_permission(actor: Any, permission: str) -> None:
    if actor is None:
        return
    if not actor.is_active:
        raise PermissionDenied(_("Your account is inactive."))
    if not actor.has_perm(permission):
        raise PermissionDenied(_("You are not allowed to do this."))


def require_visible(actor: Any, obj: models.Model) -> None:
    """The actor must be able to see `obj` through its model's `visible_to`."""
    if actor is None:
        return
    manager = type(obj)._default_manager
    if not manager.visible_to(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("You are not allowed to do this."))
