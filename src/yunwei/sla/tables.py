from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from yunwei.core.tables import TABLE_ATTRS
from yunwei.sla.models import Agreement, Calendar, Outage


class CalendarTable(tables.Table):
    name = tables.Column(linkify=True)
    timezone = tables.Column()
    version = tables.Column()
    exception_count = tables.Column(verbose_name=_("Exceptions"), empty_values=(), orderable=False)

    class Meta:
        model = Calendar
        fields = ["name", "timezone", "version", "exception_count"]
        attrs = TABLE_ATTRS

    def render_exception_count(self, record: Calendar) -> int:
        return len(record.exceptions or [])

    def value_exception_count(self, record: Calendar) -> Any:
        return self.render_exception_count(record)


class AgreementTable(tables.Table):
    name = tables.Column(linkify=True)
    service = tables.Column(linkify=True)
    organization = tables.Column(verbose_name=_("Customer"), default=_("All customers"))
    calendar = tables.Column(linkify=True)
    is_active = tables.BooleanColumn()

    class Meta:
        model = Agreement
        fields = ["name", "service", "organization", "calendar", "is_active"]
        attrs = TABLE_ATTRS


class OutageTable(tables.Table):
    started_at = tables.DateTimeColumn(format="Y-m-d H:i", linkify=True)
    ended_at = tables.DateTimeColumn(format="Y-m-d H:i", default=_("ongoing"))
    duration = tables.Column(verbose_name=_("Duration (minutes)"), empty_values=(), orderable=False)
    service = tables.Column()
    organization = tables.Column(verbose_name=_("Customer"), default=_("All customers"))
    planned = tables.BooleanColumn()
    incident_reference = tables.Column()

    class Meta:
        model = Outage
        fields = [
            "started_at",
            "ended_at",
            "duration",
            "service",
            "organization",
            "planned",
            "incident_reference",
        ]
        attrs = TABLE_ATTRS

    def render_duration(self, record: Outage) -> str:
        if record.ended_at is None:
            return "—"
        return str(round((record.ended_at - record.started_at).total_seconds() / 60))
