"""Scoping: inbound mail and sender domains are the provider's business only — they
hold every customer's raw mail. Model permissions decide which staff read them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Case, IntegerField, Value, When

from yunwei.core.permissions import signed_in

if TYPE_CHECKING:
    from yunwei.accounts.models import User


def _staff_only(queryset: models.QuerySet, user: Any) -> models.QuerySet:
    if not signed_in(user) or not user.is_provider_staff:
        return queryset.none()
    return queryset


class InboundMessageQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> InboundMessageQuerySet:
        return _staff_only(self, user)

    def for_list(self) -> InboundMessageQuerySet:
        return self.select_related("ticket").defer("raw")

    def quarantined_first(self) -> InboundMessageQuerySet:
        first = Case(
            When(state="quarantined", then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return self.annotate(quarantine_rank=first).order_by(
            "quarantine_rank", "-received_at", "-id"
        )


class SenderDomainQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> SenderDomainQuerySet:
        return _staff_only(self, user)

    def for_list(self) -> SenderDomainQuerySet:
        return self.select_related("organization")
