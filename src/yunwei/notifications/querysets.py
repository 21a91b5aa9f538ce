"""Scoping: notifications and preferences are their owner's alone; outgoing mail is
read by provider staff who may (the "Outgoing e-mail" page)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from yunwei.core.permissions import signed_in

if TYPE_CHECKING:
    from yunwei.accounts.models import User


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> NotificationQuerySet:
        if not signed_in(user):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at=None)

    def for_list(self) -> NotificationQuerySet:
        return self.select_related("ticket")


class PreferenceQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> PreferenceQuerySet:
        if not signed_in(user):
            return self.none()
        return self.filter(user=user)


class OutboundEmailQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> OutboundEmailQuerySet:
        """Mail carries customers' conversations: provider staff only."""
        if not signed_in(user) or not user.is_provider_staff:
            return self.none()
        return self
