"""Who sees which calendars, agreements, SLA records and outages."""

from __future__ import annotations

from typing import Any

from django.db import models

from yunwei.core.permissions import signed_in


class CalendarQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CalendarQuerySet:
        if not signed_in(user) or not user.is_provider_staff:
            return self.none()
        return self


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> AgreementQuerySet:
        """Customers see their own agreements and the defaults of services they use."""
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        org = user.organization_id
        return self.filter(
            models.Q(organization_id=org)
            | models.Q(organization__isnull=True, service__organizations__id=org)
        ).distinct()

    def for_list(self) -> AgreementQuerySet:
        return self.select_related("service", "organization", "calendar").prefetch_related(
            "targets"
        )

    def applicable(self, service_id: int, organization_id: int | None) -> Any:
        """The active agreement for a service and customer: the customer's own, else the
        service's default."""
        candidates = self.filter(service_id=service_id, is_active=True).filter(
            models.Q(organization_id=organization_id) | models.Q(organization__isnull=True)
        )
        return candidates.order_by(models.F("organization_id").asc(nulls_last=True)).first()


class SlaRecordQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> SlaRecordQuerySet:
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        return self.filter(organization_id=user.organization_id)

    def open(self) -> SlaRecordQuerySet:
        return self.filter(state__in=["running", "paused"])

    def for_object(self, obj: models.Model) -> SlaRecordQuerySet:
        from django.contrib.contenttypes.models import ContentType

        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class OutageQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> OutageQuerySet:
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        org = user.organization_id
        return (
            self.filter(service__organizations__id=org)
            .filter(models.Q(organization__isnull=True) | models.Q(organization_id=org))
            .distinct()
        )

    def for_list(self) -> OutageQuerySet:
        return self.select_related("service", "organization")
