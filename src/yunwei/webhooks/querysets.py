"""Who sees webhooks: provider staff (the permission `webhooks.view_*` decides further);
never a customer's user — subscriptions carry secrets and internal addresses."""

from __future__ import annotations

from typing import Any

from django.db import models

from yunwei.core.permissions import signed_in


class SubscriptionQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> SubscriptionQuerySet:
        if not signed_in(user) or not user.is_provider_staff:
            return self.none()
        return self

    def for_list(self) -> SubscriptionQuerySet:
        return self.select_related("organization")


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> DeliveryQuerySet:
        if not signed_in(user) or not user.is_provider_staff:
            return self.none()
        return self
