"""/calendars, /slas, /sla-records, /outages, /availability — thin: parse, scope, call
an action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from yunwei.accounts.models import Organization, Team, User
from yunwei.core.api_support import ListParams, changes_of, get_visible, order, paginate
from yunwei.core.permissions import require_read
from yunwei.sla import actions, availability, clock, engine
from yunwei.sla.models import Agreement, Calendar, Outage, SlaRecord
from yunwei.sla.schemas import (
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    AvailabilityOut,
    CalendarIn,
    CalendarOut,
    CalendarPatch,
    OutageIn,
    OutageOut,
    OutagePatch,
    SlaRecordDetail,
    SlaRecordOut,
    YearsIn,
)

router = Router(tags=["sla"])


def _pick(queryset: Any, user: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    obj = queryset.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: _("Unknown %(field)s: %(id)s.") % {"field": field, "id": pk}})
    return obj


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if not 1900 <= value.year <= 2999:
        raise ValidationError({field: _("Give a time between 1900 and 2999.")})
    if timezone.is_naive(value):
        raise ValidationError(
            {field: _("Give the time with its UTC offset, e.g. 2026-10-09T17:00:00+08:00.")}
        )
    return value


# --- calendars -------------------------------------------------------------------------


class CalendarPage(Schema):
    count: int
    items: list[CalendarOut]


def _exceptions(items: list[Any] | None) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    return [
        {
            "date": item.date.isoformat(),
            "working": item.working,
            **({"hours": item.hours} if item.hours else {}),
        }
        for item in items
    ]


@router.get("/calendars", response=CalendarPage)
def list_calendars(request: HttpRequest, params: Query[ListParams]) -> Any:
    require_read(request.user, "sla.view_calendar")
    qs = order(
        Calendar.objects.visible_to(request.user), params.ordering, ["name", "created_at"], "name"
    )
    return paginate(qs, params)


@router.post("/calendars", response={201: CalendarOut})
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Any:
    return Status(
        201,
        actions.create_calendar(
            actor=request.user,
            name=payload.name,
            timezone_name=payload.timezone,
            hours=payload.hours,
            exceptions=_exceptions(payload.exceptions),
        ),
    )


@router.get("/calendars/{int:calendar_id}", response=CalendarOut)
def get_calendar(request: HttpRequest, calendar_id: int) -> Any:
    require_read(request.user, "sla.view_calendar")
    return get_visible(Calendar.objects, request.user, calendar_id)


@router.patch("/calendars/{int:calendar_id}", response=CalendarOut)
def update_calendar(request: HttpRequest, calendar_id: int, payload: CalendarPatch) -> Any:
    calendar = get_visible(Calendar.objects, request.user, calendar_id)
    changes = changes_of(payload)
    if "exceptions" in changes:
        changes["exceptions"] = _exceptions(payload.exceptions) or []
    return actions.update_calendar(calendar, actor=request.user, **changes)


@router.delete("/calendars/{int:calendar_id}", response={204: None})
def delete_calendar(request: HttpRequest, calendar_id: int) -> Any:
    actions.delete_calendar(
        get_visible(Calendar.objects, request.user, calendar_id), actor=request.user
    )
    return Status(204, None)


@router.post(
    "/calendars/{int:calendar_id}/import-cn",
    response=CalendarOut,
    summary="Fill China's statutory holidays and adjusted working days",
)
def import_cn(request: HttpRequest, calendar_id: int, payload: YearsIn) -> Any:
    calendar = get_visible(Calendar.objects, request.user, calendar_id)
    return actions.import_china_holidays(calendar, actor=request.user, years=payload.years)


class DueParams(Schema):
    start: dt.datetime
    minutes: int


class ElapsedParams(Schema):
    start: dt.datetime
    end: dt.datetime


def _clock(calendar: Calendar) -> clock.Calendar:
    return engine.calendar_at(calendar.pk, calendar.version, calendar)


def _clock_errors(error: clock.ClockError) -> ValidationError:
    return ValidationError({error.field: error.message})


@router.get(
    "/calendars/{int:calendar_id}/due", summary="When a number of business minutes runs out"
)
def calendar_due(
    request: HttpRequest, calendar_id: int, params: Query[DueParams]
) -> dict[str, Any]:
    require_read(request.user, "sla.view_calendar")
    calendar = get_visible(Calendar.objects, request.user, calendar_id)
    try:
        return {"due": clock.due(_aware(params.start, "start"), params.minutes, _clock(calendar))}
    except clock.ClockError as error:
        raise _clock_errors(error) from error


@router.get("/calendars/{int:calendar_id}/elapsed", summary="Business minutes between two instants")
def calendar_elapsed(
    request: HttpRequest, calendar_id: int, params: Query[ElapsedParams]
) -> dict[str, Any]:
    require_read(request.user, "sla.view_calendar")
    calendar = get_visible(Calendar.objects, request.user, calendar_id)
    try:
        spent = clock.elapsed(
            _aware(params.start, "start"), _aware(params.end, "end"), _clock(calendar)
        )
    except clock.ClockError as error:
        raise _clock_errors(error) from error
    minutes = spent.total_seconds() / 60
    return {"minutes": int(minutes) if minutes.is_integer() else round(minutes, 2)}


# --- agreements ------------------------------------------------------------------------


class AgreementPage(Schema):
    count: int
    items: list[AgreementOut]


class AgreementFilters(ListParams):
    service: int | None = None
    organization: int | None = None
    is_active: bool | None = None


def _escalations(user: Any, items: list[Any] | None) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    rules = []
    for index, item in enumerate(items):
        rule = item.dict()
        prefix = f"escalations.{index}."
        rule["notify_user"] = _pick(User.objects, user, rule["notify_user"], prefix + "notify_user")
        rule["notify_team"] = _pick(Team.objects, user, rule["notify_team"], prefix + "notify_team")
        rule["reassign_team"] = _pick(
            Team.objects, user, rule["reassign_team"], prefix + "reassign_team"
        )
        rules.append(rule)
    return rules


@router.get("/slas", response=AgreementPage)
def list_agreements(request: HttpRequest, filters: Query[AgreementFilters]) -> Any:
    require_read(request.user, "sla.view_agreement")
    qs = Agreement.objects.visible_to(request.user).for_list().prefetch_related("escalations")
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.organization:
        qs = qs.filter(organization_id=filters.organization)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return paginate(order(qs, filters.ordering, ["name", "created_at"], "name"), filters)


@router.post("/slas", response={201: AgreementOut})
def create_agreement(request: HttpRequest, payload: AgreementIn) -> Any:
    from yunwei.catalog.models import Service

    data = payload.dict()
    user = request.user
    agreement = actions.create_agreement(
        actor=user,
        name=data["name"],
        service=_pick(Service.objects, user, data["service"], "service"),
        organization=_pick(Organization.objects, user, data["organization"], "organization"),
        calendar=_pick(Calendar.objects, user, data["calendar"], "calendar"),
        targets=data["targets"],
        escalations=_escalations(user, payload.escalations),
        pause_states=data["pause_states"],
        availability_target=data["availability_target"],
        max_interruption_minutes=data["max_interruption_minutes"],
        warning_percent=data["warning_percent"],
        is_active=data["is_active"],
    )
    return Status(201, Agreement.objects.for_list().get(pk=agreement.pk))


@router.get("/slas/{int:agreement_id}", response=AgreementOut)
def get_agreement(request: HttpRequest, agreement_id: int) -> Any:
    require_read(request.user, "sla.view_agreement")
    return get_visible(Agreement.objects.for_list(), request.user, agreement_id)


@router.patch("/slas/{int:agreement_id}", response=AgreementOut)
def update_agreement(request: HttpRequest, agreement_id: int, payload: AgreementPatch) -> Any:
    agreement = get_visible(Agreement.objects, request.user, agreement_id)
    changes = changes_of(payload)
    changes.pop("escalations", None)
    targets = changes.pop("targets", None)
    if "calendar" in changes:
        changes["calendar"] = _pick(Calendar.objects, request.user, changes["calendar"], "calendar")
    actions.update_agreement(
        agreement,
        actor=request.user,
        targets=targets,
        escalations=_escalations(request.user, payload.escalations),
        **changes,
    )
    return Agreement.objects.for_list().get(pk=agreement.pk)


@router.delete("/slas/{int:agreement_id}", response={204: None})
def delete_agreement(request: HttpRequest, agreement_id: int) -> Any:
    actions.delete_agreement(
        get_visible(Agreement.objects, request.user, agreement_id), actor=request.user
    )
    return Status(204, None)


# --- SLA records -----------------------------------------------------------------------


class RecordPage(Schema):
    count: int
    items: list[SlaRecordOut]


class RecordFilters(ListParams):
    object_type: str | None = None
    object_id: int | None = None
    state: str | None = None
    breached: bool | None = None


def record_view(record: SlaRecord, now: dt.datetime, with_timeline: bool = False) -> dict[str, Any]:
    """The record as integrators and the UI see it: live remaining time and, on request,
    its timeline — each running or paused stretch, the calendar version and target."""
    spent = engine.elapsed(record, now).total_seconds() / 60
    view: dict[str, Any] = {
        "id": record.pk,
        "object_type": f"{record.content_type.app_label}.{record.content_type.model}",
        "object_id": record.object_id,
        "kind": record.kind,
        "priority": record.priority,
        "state": record.state,
        "agreement": {"id": record.agreement_id, "name": record.agreement.name},
        "calendar": {"id": record.calendar_id, "name": record.calendar.name},
        "target_minutes": record.target_minutes,
        "started_at": record.started_at,
        "due": record.due_at,
        "warning_at": record.warning_at,
        "stopped_at": record.stopped_at,
        "breached": record.breached_at is not None or record.state == "breached",
        "breached_at": record.breached_at,
        "paused": record.state == "paused",
        "remaining_minutes": round(record.target_minutes - spent, 2) if record.is_open else None,
        "elapsed_minutes": round(spent, 2),
    }
    if with_timeline:
        view["timeline"] = engine.timeline(record, now)
    return view


@router.get("/sla-records", response=RecordPage)
def list_records(request: HttpRequest, filters: Query[RecordFilters]) -> Any:
    require_read(request.user, "sla.view_slarecord")
    qs = SlaRecord.objects.visible_to(request.user).select_related(
        "agreement", "calendar", "content_type"
    )
    if filters.object_type:
        app_label, _dot, model = filters.object_type.partition(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.object_id is not None:
        qs = qs.filter(object_id=filters.object_id)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.breached is not None:
        qs = qs.filter(breached_at__isnull=not filters.breached)
    page = paginate(order(qs, filters.ordering, ["due_at", "started_at"], "due_at"), filters)
    now = timezone.now()
    page["items"] = [record_view(record, now) for record in page["items"]]
    return page


@router.get("/sla-records/{int:record_id}", response=SlaRecordDetail)
def get_record(request: HttpRequest, record_id: int) -> Any:
    require_read(request.user, "sla.view_slarecord")
    qs = SlaRecord.objects.select_related("agreement", "calendar", "content_type")
    return record_view(get_visible(qs, request.user, record_id), timezone.now(), with_timeline=True)


# --- outages and availability ----------------------------------------------------------


class OutagePage(Schema):
    count: int
    items: list[OutageOut]


class OutageFilters(ListParams):
    service: int | None = None
    organization: int | None = None
    planned: bool | None = None


@router.get("/outages", response=OutagePage)
def list_outages(request: HttpRequest, filters: Query[OutageFilters]) -> Any:
    require_read(request.user, "sla.view_outage")
    qs = Outage.objects.visible_to(request.user).for_list()
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.organization:
        qs = qs.filter(organization_id=filters.organization)
    if filters.planned is not None:
        qs = qs.filter(planned=filters.planned)
    return paginate(order(qs, filters.ordering, ["started_at", "ended_at"], "-started_at"), filters)


@router.post("/outages", response={201: OutageOut})
def create_outage(request: HttpRequest, payload: OutageIn) -> Any:
    from yunwei.catalog.models import Service

    data = payload.dict()
    data["service"] = _pick(Service.objects, request.user, data["service"], "service")
    data["organization"] = _pick(
        Organization.objects, request.user, data["organization"], "organization"
    )
    _aware(data["started_at"], "started_at")
    if data["ended_at"]:
        _aware(data["ended_at"], "ended_at")
    return Status(201, actions.record_outage(actor=request.user, **data))


@router.get("/outages/{int:outage_id}", response=OutageOut)
def get_outage(request: HttpRequest, outage_id: int) -> Any:
    require_read(request.user, "sla.view_outage")
    return get_visible(Outage.objects.for_list(), request.user, outage_id)


@router.patch("/outages/{int:outage_id}", response=OutageOut)
def update_outage(request: HttpRequest, outage_id: int, payload: OutagePatch) -> Any:
    outage = get_visible(Outage.objects, request.user, outage_id)
    changes = changes_of(payload, nullable=["organization", "ended_at"])
    if "organization" in changes:
        changes["organization"] = _pick(
            Organization.objects, request.user, changes["organization"], "organization"
        )
    for field in ("started_at", "ended_at"):
        if changes.get(field):
            _aware(changes[field], field)
    return actions.update_outage(outage, actor=request.user, **changes)


@router.delete("/outages/{int:outage_id}", response={204: None})
def delete_outage(request: HttpRequest, outage_id: int) -> Any:
    actions.delete_outage(get_visible(Outage.objects, request.user, outage_id), actor=request.user)
    return Status(204, None)


class AvailabilityParams(Schema):
    month: str


@router.get(
    "/availability",
    response=list[AvailabilityOut],
    summary="Monthly availability per service and customer against target",
)
def monthly_availability(request: HttpRequest, params: Query[AvailabilityParams]) -> Any:
    require_read(request.user, "sla.view_outage")
    try:
        month = dt.date.fromisoformat(params.month + "-01")
        if not 1900 <= month.year <= 2999:
            raise ValueError(month)
    except ValueError as error:
        raise ValidationError({"month": _("Give the month as YYYY-MM.")}) from error
    return [
        row.__dict__ for row in availability.monthly(month, request.user, request.user.timezone)
    ]
