"""The service-level pages: business calendars, agreements, outages, one SLA record's
timeline ("why was this breached?") and monthly availability."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from yunwei.core.views import ObjectDetailView, ObjectFormView, ObjectListView, PermissionMixin
from yunwei.sla import actions, availability, engine
from yunwei.sla.filters import (
    AgreementFilter,
    CalendarFilter,
    OutageFilter,
    next_month,
    parse_month,
)
from yunwei.sla.forms import (
    PAUSE_STATE_CHOICES,
    WEEKDAYS,
    AgreementForm,
    CalendarForm,
    CalendarImportForm,
    OutageForm,
    format_intervals,
)
from yunwei.sla.models import (
    Agreement,
    Calendar,
    Outage,
    Priority,
    RecordState,
    SlaRecord,
    reason_label,
)
from yunwei.sla.tables import AgreementTable, CalendarTable, OutageTable


def hours_minutes(minutes: float) -> str:
    """150 -> "2:30"."""
    total = round(minutes)
    sign = "-" if total < 0 else ""
    return f"{sign}{abs(total) // 60}:{abs(total) % 60:02d}"


# --- calendars -------------------------------------------------------------------------


class CalendarList(ObjectListView):
    model = Calendar
    table_class = CalendarTable
    filterset_class = CalendarFilter
    permission = "sla.view_calendar"
    add_url_name = "sla:calendar_add"
    add_permission = "sla.add_calendar"


class CalendarDetail(ObjectDetailView):
    model = Calendar
    permission = "sla.view_calendar"
    template_name = "sla/calendar_detail.html"
    edit_url_name = "sla:calendar_edit"
    edit_permission = "sla.change_calendar"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        calendar = self.object
        hours = calendar.hours or {}
        context["weekly"] = [
            {"label": label, "hours": format_intervals(hours.get(code))} for code, label in WEEKDAYS
        ]
        normal = next((hours[code] for code, _label in WEEKDAYS if hours.get(code)), [])
        exceptions = []
        for item in sorted(calendar.exceptions or [], key=lambda item: str(item.get("date"))):
            exceptions.append(
                {
                    "date": dt.date.fromisoformat(str(item["date"])),
                    "working": bool(item.get("working")),
                    "hours": format_intervals(item.get("hours") or normal)
                    if item.get("working")
                    else "",
                    "normal_hours": bool(item.get("working")) and not item.get("hours"),
                }
            )
        context["exceptions"] = exceptions
        this_year = timezone.localdate().year
        context["import_form"] = CalendarImportForm(
            initial={"years": f"{this_year}, {this_year + 1}"}
        )
        context["can_import"] = self.request.user.has_perm("sla.change_calendar")
        return context


class CalendarEdit(ObjectFormView):
    model = Calendar
    form_class = CalendarForm
    permission = "sla.change_calendar"
    template_name = "sla/calendar_form.html"


class CalendarAdd(CalendarEdit):
    permission = "sla.add_calendar"


class CalendarImportChina(PermissionMixin, View):
    """POST only: replace the exceptions of the given years by China's official schedule
    of holidays and adjusted working days."""

    permission = "sla.change_calendar"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        calendar = get_object_or_404(Calendar.objects.visible_to(request.user), pk=pk)
        form = CalendarImportForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("years", [])))
            return redirect(calendar.get_absolute_url())
        years = form.cleaned_data["years"]
        try:
            calendar = actions.import_china_holidays(calendar, actor=request.user, years=years)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("China's holidays and adjusted working days for %(years)s are in the calendar.")
                % {"years": ", ".join(map(str, years))},
            )
        return redirect(calendar.get_absolute_url())


# --- agreements ------------------------------------------------------------------------


class AgreementList(ObjectListView):
    model = Agreement
    table_class = AgreementTable
    filterset_class = AgreementFilter
    permission = "sla.view_agreement"
    add_url_name = "sla:agreement_add"
    add_permission = "sla.add_agreement"


class AgreementDetail(ObjectDetailView):
    model = Agreement
    permission = "sla.view_agreement"
    template_name = "sla/agreement_detail.html"
    edit_url_name = "sla:agreement_edit"
    edit_permission = "sla.change_agreement"

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .prefetch_related(
                "escalations__notify_user", "escalations__notify_team", "escalations__reassign_team"
            )
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        agreement = self.object
        by_priority = {target.priority: target for target in agreement.targets.all()}
        rows = []
        for priority in Priority:
            target = by_priority.get(priority.value)
            if target is None:
                continue
            rows.append(
                {
                    "priority": priority,
                    "response": target.response_minutes,
                    "response_hm": hours_minutes(target.response_minutes),
                    "resolution": target.resolution_minutes,
                    "resolution_hm": hours_minutes(target.resolution_minutes),
                }
            )
        context["targets"] = rows
        labels = dict(PAUSE_STATE_CHOICES)
        context["pause_states"] = [labels.get(code, code) for code in agreement.pause_states]
        context["rules"] = list(agreement.escalations.all())
        context["max_interruption_hm"] = hours_minutes(agreement.max_interruption_minutes)
        return context


class AgreementEdit(ObjectFormView):
    model = Agreement
    form_class = AgreementForm
    permission = "sla.change_agreement"
    template_name = "sla/agreement_form.html"


class AgreementAdd(AgreementEdit):
    permission = "sla.add_agreement"


# --- outages ---------------------------------------------------------------------------


class OutageList(ObjectListView):
    model = Outage
    table_class = OutageTable
    filterset_class = OutageFilter
    permission = "sla.view_outage"
    add_url_name = "sla:outage_add"
    add_permission = "sla.add_outage"


class OutageDetail(ObjectDetailView):
    model = Outage
    permission = "sla.view_outage"
    template_name = "sla/outage_detail.html"
    edit_url_name = "sla:outage_edit"
    edit_permission = "sla.change_outage"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        outage = self.object
        end = outage.ended_at or timezone.now()
        context["duration_minutes"] = round(max((end - outage.started_at).total_seconds(), 0) / 60)
        return context


class OutageEdit(ObjectFormView):
    model = Outage
    form_class = OutageForm
    permission = "sla.change_outage"


class OutageAdd(OutageEdit):
    permission = "sla.add_outage"


# --- one SLA record: its timeline ------------------------------------------------------


def _timeline(record: SlaRecord, now: dt.datetime) -> tuple[list[dict[str, Any]], float]:
    """Each segment with the business minutes it spans, and the running minutes counted."""
    rows = [
        {
            **row,
            "reason": reason_label(row["reason"]),
            "running": row["state"] == "running",
            "minutes": row["business_minutes"],
            "minutes_hm": hours_minutes(row["business_minutes"]),
        }
        for row in engine.timeline(record, now)
    ]
    return rows, sum(row["minutes"] for row in rows if row["running"])


def _urgency(record: SlaRecord, now: dt.datetime, remaining_fraction: float) -> str:
    """The colour of the time left: red when breached, orange past the warning time
    (or with a quarter or less left), green otherwise."""
    if record.state == RecordState.BREACHED:
        return "red"
    if record.state == RecordState.MET:
        return "green"
    if record.state == RecordState.CANCELLED:
        return "secondary"
    if record.due_at is not None and record.due_at <= now:
        return "red"
    if record.warning_at is not None and record.warning_at <= now:
        return "orange"
    return "green" if remaining_fraction > 0.25 else "orange"


class RecordDetail(ObjectDetailView):
    model = SlaRecord
    permission = "sla.view_slarecord"
    customers_allowed = True
    template_name = "sla/record_detail.html"

    def get_queryset(self) -> QuerySet:
        return SlaRecord.objects.visible_to(self.request.user).select_related(
            "calendar", "agreement", "content_type"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        record = self.object
        now = timezone.now()
        rows, counted = _timeline(record, now)
        target = record.target_minutes
        remaining = target - counted
        context["timeline"] = rows
        context["counted"] = round(counted, 1)
        context["counted_hm"] = hours_minutes(counted)
        context["remaining"] = round(remaining, 1)
        context["remaining_hm"] = hours_minutes(abs(remaining))
        context["overdue"] = remaining < 0
        context["urgency"] = _urgency(record, now, remaining / target if target else 0)
        context["target_hm"] = hours_minutes(target)
        context["calendar_version"] = (
            rows[-1]["calendar_version"] if rows else record.calendar.version
        )
        context["title"] = (
            f"{record.get_kind_display()} · {record.content_type.name} #{record.object_id}"
        )
        context["tracked"] = record.tracked
        context["tracked_url"] = getattr(record.tracked, "get_absolute_url", lambda: "")()
        context["can_view_agreement"] = self.request.user.has_perm("sla.view_agreement")
        return context


# --- availability ----------------------------------------------------------------------


class AvailabilityView(PermissionMixin, TemplateView):
    permission = "sla.view_outage"
    template_name = "sla/availability.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        month = parse_month(self.request.GET.get("month")) or timezone.localdate().replace(day=1)
        rows = availability.monthly(month, self.request.user, self.request.user.timezone)
        services = [row for row in rows if row.organization_id is None]
        context.update(
            {
                "title": _("Availability"),
                "month": month,
                "previous_month": (month - dt.timedelta(days=1)).replace(day=1),
                "next_month": next_month(month),
                "service_rows": services,
                "customer_rows": [row for row in rows if row.organization_id is not None],
                "chart": {
                    "labels": [row.service for row in services],
                    "availability": [row.availability for row in services],
                    "target": [row.target for row in services],
                    "met": [row.met for row in services],
                    "names": {"availability": _("Availability"), "target": _("Target")},
                },
            }
        )
        return context
