from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from yunwei.core.permissions import signed_in

if TYPE_CHECKING:
    from yunwei.accounts.models import User


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> AuditEntryQuerySet:
        """Provider staff who may read history see it all; a customer's user sees only
        the history of their own organization's records."""
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        return self.filter(organization_id=user.organization_id)

    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
