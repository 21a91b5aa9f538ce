"""/reports/sla-compliance and /reports/dashboard — read-only, scoped like everything
else (`visible_to`), aggregated in SQL."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from yunwei.core.permissions import require_read
from yunwei.reports import compliance, dashboard
from yunwei.reports.schemas import ComplianceOut, ComplianceParams, DashboardOut

router = Router(tags=["reports"])


def compliance_view(report: compliance.Report) -> dict[str, Any]:
    """The report as the API (and the CSV) give it: months as YYYY-MM."""

    def targets(cell: compliance.Cell) -> dict[str, Any]:
        return {"response": cell.response.as_dict(), "resolution": cell.resolution.as_dict()}

    return {
        "start": f"{report.start:%Y-%m}",
        "end": f"{report.end:%Y-%m}",
        "timezone": report.zone,
        "services": [asdict(service) for service in report.services],
        "rows": [
            {"month": f"{month:%Y-%m}", "service": service_id, **targets(cell)}
            for (month, service_id), cell in report.cells.items()
        ],
        "months": [
            {"month": f"{month:%Y-%m}", **targets(report.by_month.get(month, compliance.Cell()))}
            for month in report.months
        ],
        "service_totals": [
            {"service": service.id, **targets(report.by_service[service.id])}
            for service in report.services
        ],
        "total": targets(report.total),
    }


@router.get(
    "/reports/sla-compliance",
    response=ComplianceOut,
    by_alias=True,
    summary="Monthly SLA compliance per service (first response and resolution)",
)
def sla_compliance(request: HttpRequest, params: Query[ComplianceParams]) -> Any:
    require_read(request.user, "sla.view_slarecord")
    start, end = compliance.month_range(params.start, params.end)
    report = compliance.sla_compliance(
        request.user,
        start=start,
        end=end,
        service=params.service,
        organization=params.organization,
    )
    return compliance_view(report)


@router.get("/reports/dashboard", response=DashboardOut, summary="Counts of open tickets")
def dashboard_counts(request: HttpRequest) -> Any:
    require_read(request.user, "tickets.view_ticket")
    return asdict(dashboard.dashboard_counts(request.user))
