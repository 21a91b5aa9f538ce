"""Scoping: which services a user may see.

UI, API and forms all go through `visible_to(user)`; nothing else decides visibility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

from yunwei.core.permissions import signed_in

if TYPE_CHECKING:
    from yunwei.accounts.models import User


def prefers_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def display_name_order() -> models.Func:
    """The display name as an expression (the active language's name, else the other),
    so lists sort by what they show."""
    first, second = ("name_zh", "name_en") if prefers_chinese() else ("name_en", "name_zh")
    return Coalesce(NullIf(models.F(first), models.Value("")), models.F(second))


class ServiceQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> ServiceQuerySet:
        """Provider staff see the whole catalogue; a customer's user sees the services
        their organization subscribes to, whatever their status."""
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        return self.filter(organizations=user.organization_id)

    def for_list(self) -> ServiceQuerySet:
        return self.select_related("owner_team").prefetch_related("organizations")
