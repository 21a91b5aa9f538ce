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


def signed_in(user: Any) -> bool:
    """An authenticated, active user — the precondition of every `visible_to`."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def require_read(user: Any, permission: str) -> None:
    """Reading a list or record: provider staff need the model permission; customers'
    users read what `visible_to` gives them (their own organization's) without one."""
    if user.is_provider_staff:
        require_permission(user, permission)
