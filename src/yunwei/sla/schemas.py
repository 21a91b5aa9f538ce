from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from yunwei.accounts.schemas import Ref, StrictIn

PriorityCode = Literal["urgent", "important", "general", "unimportant"]
KindCode = Literal["response", "resolution"]
ActionCode = Literal["notify", "reassign", "raise_priority"]
Hours = dict[str, list[list[str]]]


class ExceptionIn(StrictIn):
    date: dt.date
    working: bool
    hours: list[list[str]] | None = None


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    hours: dict[str, Any]
    exceptions: list[dict[str, Any]]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CalendarIn(StrictIn):
    name: str
    timezone: str = "Asia/Shanghai"
    hours: Hours | None = None
    exceptions: list[ExceptionIn] = []


class CalendarPatch(StrictIn):
    name: str | None = None
    timezone: str | None = None
    hours: Hours | None = None
    exceptions: list[ExceptionIn] | None = None


class YearsIn(StrictIn):
    years: list[Annotated[int, Field(ge=1900, le=2999)]]


class TargetIO(StrictIn):
    priority: PriorityCode
    response_minutes: int = 120
    resolution_minutes: int = 240


class EscalationIO(StrictIn):
    kind: KindCode = "resolution"
    at_percent: int
    action: ActionCode
    notify_user: int | None = None
    notify_team: int | None = None
    notify_role: str = ""
    reassign_team: int | None = None


class AgreementOut(Schema):
    id: int
    name: str
    service: Ref
    organization: Ref | None
    calendar: Ref
    targets: list[TargetIO]
    escalations: list[EscalationIO]
    pause_states: list[str]
    availability_target: float
    max_interruption_minutes: int
    warning_percent: int
    is_active: bool
    version: int

    @staticmethod
    def resolve_service(obj: Any) -> dict[str, Any]:
        return {"id": obj.service_id, "name": str(obj.service)}

    @staticmethod
    def resolve_targets(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "priority": t.priority,
                "response_minutes": t.response_minutes,
                "resolution_minutes": t.resolution_minutes,
            }
            for t in obj.targets.all()
        ]

    @staticmethod
    def resolve_escalations(obj: Any, context: Any) -> list[dict[str, Any]]:
        if not context["request"].user.is_provider_staff:
            return []  # who gets told internally is the provider's business
        return [
            {
                "kind": r.kind,
                "at_percent": r.at_percent,
                "action": r.action,
                "notify_user": r.notify_user_id,
                "notify_team": r.notify_team_id,
                "notify_role": r.notify_role,
                "reassign_team": r.reassign_team_id,
            }
            for r in obj.escalations.all()
        ]


class AgreementIn(StrictIn):
    name: str
    service: int
    organization: int | None = None
    calendar: int
    targets: list[TargetIO] = []
    escalations: list[EscalationIO] = []
    pause_states: list[str] | None = None
    availability_target: Decimal = Decimal("99.9")
    max_interruption_minutes: int = 60
    warning_percent: int = 75
    is_active: bool = True


class AgreementPatch(StrictIn):
    name: str | None = None
    calendar: int | None = None
    targets: list[TargetIO] | None = None
    escalations: list[EscalationIO] | None = None
    pause_states: list[str] | None = None
    availability_target: Decimal | None = None
    max_interruption_minutes: int | None = None
    warning_percent: int | None = None
    is_active: bool | None = None


class SegmentOut(Schema):
    start: dt.datetime
    end: dt.datetime | None
    state: str
    reason: str
    calendar: Ref
    calendar_version: int
    target_minutes: int
    business_minutes: float


class SlaRecordOut(Schema):
    id: int
    object_type: str
    object_id: int
    kind: str
    priority: str
    state: str
    agreement: Ref
    calendar: Ref
    target_minutes: int
    started_at: dt.datetime
    due: dt.datetime | None
    warning_at: dt.datetime | None
    stopped_at: dt.datetime | None
    breached: bool
    breached_at: dt.datetime | None
    paused: bool
    remaining_minutes: float | None
    elapsed_minutes: float


class SlaRecordDetail(SlaRecordOut):
    timeline: list[SegmentOut]


class OutageOut(Schema):
    id: int
    service: Ref
    organization: Ref | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    planned: bool
    incident_reference: str
    description: str

    @staticmethod
    def resolve_service(obj: Any) -> dict[str, Any]:
        return {"id": obj.service_id, "name": str(obj.service)}


class OutageIn(StrictIn):
    service: int
    organization: int | None = None
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    planned: bool = False
    incident_reference: str = ""
    description: str = ""


class OutagePatch(StrictIn):
    organization: int | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    planned: bool | None = None
    incident_reference: str | None = None
    description: str | None = None


class AvailabilityOut(Schema):
    service_id: int
    service: str
    organization_id: int | None
    organization: str | None
    minutes_in_month: int
    downtime_minutes: float
    availability: float
    target: float | None
    longest_minutes: float
    max_interruption_minutes: int | None
    met: bool | None
