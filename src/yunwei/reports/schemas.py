from __future__ import annotations

from ninja import Schema
from pydantic import Field


class ComplianceParams(Schema):
    start: str | None = Field(None, alias="from", description="First month, YYYY-MM")
    end: str | None = Field(None, alias="to", description="Last month, YYYY-MM")
    # Bounded to what an id can be, so a huge number is a 422 naming the field.
    service: int | None = Field(None, ge=1, le=2**63 - 1)
    organization: int | None = Field(None, ge=1, le=2**63 - 1, description="Provider staff only")


class TallyOut(Schema):
    met: int
    breached: int
    open: int
    percent_met: float | None = Field(description="met / (met + breached); null when none")


class TargetsOut(Schema):
    response: TallyOut
    resolution: TallyOut


class ServiceOut(Schema):
    id: int
    code: str
    name: str


class ComplianceRow(TargetsOut):
    month: str
    service: int


class MonthTotal(TargetsOut):
    month: str


class ServiceTotal(TargetsOut):
    service: int


class ComplianceOut(Schema):
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")
    timezone: str
    services: list[ServiceOut]
    rows: list[ComplianceRow]
    months: list[MonthTotal]
    service_totals: list[ServiceTotal]
    total: TargetsOut


class DashboardOut(Schema):
    open: int
    by_state: dict[str, int]
    waiting_on_customer: int
    unassigned: int | None = Field(None, description="Provider staff only")
    breached: int | None = Field(None, description="Open with a breached SLA target")
    due_within_hour: int | None = None
    due_today: int | None = Field(None, description="Due before midnight, user's time zone")
    mine: int | None = None
    my_teams: int | None = None
