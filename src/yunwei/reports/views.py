"""The dashboard and the monthly SLA compliance page (with its CSV). Thin: parse the
filters, call `compliance` / `dashboard`, shape the result for the template."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from yunwei.accounts.models import Organization, OrganizationKind
from yunwei.catalog.models import Service
from yunwei.core.views import PermissionMixin
from yunwei.reports import compliance, dashboard
from yunwei.tickets.export import spreadsheet_safe
from yunwei.tickets.models import OPEN_TICKET_STATES, TicketState

# No agreement carries a compliance target (theirs are response and resolution times
# and availability), so the colours use the common service-desk thresholds.
GOOD_PERCENT = 95
FAIR_PERCENT = 90


class MonthInput(forms.TextInput):
    input_type = "month"


class ComplianceFilterForm(forms.Form):
    """from / to / service / organization (provider staff only) — GET parameters."""

    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=Service.objects.none(), required=False
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Customer"), queryset=Organization.objects.none(), required=False
    )

    def __init__(self, data: Any, *, user: Any) -> None:
        super().__init__(data)
        # "from" is a Python keyword: these two are added by name.
        self.fields = {
            "from": forms.CharField(
                label=gettext_lazy("From"), required=False, widget=MonthInput()
            ),
            "to": forms.CharField(label=gettext_lazy("To"), required=False, widget=MonthInput()),
            **self.fields,
        }
        services = Service.objects.visible_to(user).order_by("code")
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["service"].label_from_instance = lambda s: s.display_name  # type: ignore[attr-defined]
        if user.is_provider_staff:
            self.fields["organization"].queryset = Organization.objects.visible_to(  # type: ignore[attr-defined]
                user
            ).filter(kind=OrganizationKind.CUSTOMER)
        else:
            del self.fields["organization"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                data["start"], data["end"] = compliance.month_range(data["from"], data["to"])
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.add_error(name, messages)
        return data


def _filtered_report(request: HttpRequest) -> tuple[ComplianceFilterForm, Any]:
    form = ComplianceFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    organization = data.get("organization")
    report = compliance.sla_compliance(
        request.user,
        start=data["start"],
        end=data["end"],
        service=data["service"].pk if data["service"] else None,
        organization=organization.pk if organization else None,
    )
    return form, report


def _tally(tally: compliance.Tally) -> dict[str, Any]:
    percent = tally.percent_met
    if percent is None:
        colour = "secondary"
    elif percent >= GOOD_PERCENT:
        colour = "green"
    elif percent >= FAIR_PERCENT:
        colour = "yellow"
    else:
        colour = "red"
    return {**tally.as_dict(), "colour": colour}


def _targets(cell: compliance.Cell) -> dict[str, Any]:
    return {"response": _tally(cell.response), "resolution": _tally(cell.resolution)}


class SlaComplianceView(PermissionMixin, TemplateView):
    permission = "sla.view_slarecord"
    customers_allowed = True
    template_name = "reports/sla_compliance.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, report = _filtered_report(request)
        context = self.get_context_data(form=form, title=_("SLA compliance"))
        if report is not None:
            context.update(self.shape(report))
            context["csv_url"] = reverse("reports:sla_compliance_csv") + (
                "?" + request.GET.urlencode() if request.GET else ""
            )
        return self.render_to_response(context, status=200 if report is not None else 400)

    @staticmethod
    def shape(report: compliance.Report) -> dict[str, Any]:
        months = [
            {
                "month": month,
                "rows": [
                    {"service": service, **_targets(report.cells[month, service.id])}
                    for service in report.services
                    if (month, service.id) in report.cells
                ],
                "total": _targets(report.by_month.get(month, compliance.Cell())),
            }
            for month in reversed(report.months)  # the latest first
        ]
        return {
            "report": report,
            "months": months,
            "service_totals": [
                {"service": service, **_targets(report.by_service[service.id])}
                for service in report.services
            ],
            "total": _targets(report.total),
            "good_percent": GOOD_PERCENT,
            "fair_percent": FAIR_PERCENT,
        }


class SlaComplianceCsv(PermissionMixin, View):
    """The same report as CSV: one line per month and service."""

    permission = "sla.view_slarecord"
    customers_allowed = True

    def get(self, request: HttpRequest) -> HttpResponse:
        form, report = _filtered_report(request)
        if report is None:
            errors = "; ".join(
                f"{name}: {' '.join(map(str, messages))}" for name, messages in form.errors.items()
            )
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        header = [_("Month"), _("Service code"), _("Service")]
        for target in (_("First response"), _("Resolution")):
            header += [
                f"{target}: {_('met')}",
                f"{target}: {_('breached')}",
                f"{target}: {_('open')}",
                f"{target}: {_('% met')}",
            ]
        writer.writerow(header)
        names = {service.id: service for service in report.services}
        for (month, service_id), cell in report.cells.items():
            service = names[service_id]
            row: list[Any] = [f"{month:%Y-%m}", service.code, service.name]
            for tally in (cell.response, cell.resolution):
                row += [tally.met, tally.breached, tally.open, tally.percent_met]
            writer.writerow([spreadsheet_safe(value) for value in row])
        response = HttpResponse(
            "\ufeff" + buffer.getvalue(),  # the BOM makes Excel read UTF-8 Chinese
            content_type="text/csv; charset=utf-8",
        )
        name = f"sla-compliance-{report.start:%Y-%m}-{report.end:%Y-%m}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class DashboardView(PermissionMixin, TemplateView):
    """Cards with the counts, each linking to the queue showing those tickets."""

    permission = "tickets.view_ticket"
    customers_allowed = True
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        counts = dashboard.dashboard_counts(user)
        if user.is_provider_staff:
            # The queue page has no "due before" filter: "breaching soon" (due within two
            # hours, or breached) and the open queue by due time start with those tickets.
            cards = [
                ("open", _("Open"), counts.open, "ti-inbox", "blue", {"view": "open"}),
                ("unassigned", _("Unassigned"), counts.unassigned, "ti-user-question", "orange",
                 {"view": "unassigned", "ordering": "due_at"}),
                ("breached", _("SLA breached"), counts.breached, "ti-alarm", "red",
                 {"view": "open", "breached": "true", "ordering": "due_at"}),
                ("due-hour", _("Due within the hour"), counts.due_within_hour, "ti-hourglass-low",
                 "yellow", {"view": "breaching", "ordering": "due_at"}),
                ("due-today", _("Due today"), counts.due_today, "ti-calendar-due", "cyan",
                 {"view": "open", "ordering": "due_at"}),
                ("mine", _("Assigned to me"), counts.mine, "ti-user-check", "green",
                 {"view": "mine", "ordering": "due_at"}),
                ("teams", _("My teams"), counts.my_teams, "ti-users-group", "purple",
                 {"view": "team", "ordering": "due_at"}),
            ]  # fmt: skip
        else:
            cards = [
                ("open", _("Open"), counts.open, "ti-inbox", "blue", {"view": "open"}),
                ("waiting", _("Waiting on you"), counts.waiting_on_customer,
                 "ti-message-question", "orange", {"state": TicketState.WAITING_ON_CUSTOMER.value}),
            ]  # fmt: skip
        states = [
            (f"state-{state.value}", str(state.label), counts.by_state[state.value],
             "ti-circle-dot", "secondary", {"state": state.value})
            for state in OPEN_TICKET_STATES
        ]  # fmt: skip
        context.update(
            {
                "title": _("Dashboard"),
                "cards": [self.card(*card) for card in cards],
                "states": [self.card(*card) for card in states],
            }
        )
        return context

    @staticmethod
    def card(
        code: str, label: str, value: int | None, icon: str, colour: str, query: dict[str, str]
    ) -> dict[str, Any]:
        return {
            "testid": f"card-{code}",
            "label": label,
            "value": value,
            "icon": icon,
            "colour": colour,
            "url": reverse("tickets:ticket_list") + "?" + urlencode(query),
        }
