"""Every change to calendars, agreements, SLA records and outages — the only writers."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.core import audit
from yunwei.core.changes import apply_changes
from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.sla import clock, engine
from yunwei.sla.models import (
    OPEN_STATES,
    Agreement,
    Calendar,
    CalendarVersion,
    EscalationRule,
    Outage,
    Priority,
    RecordKind,
    RecordState,
    SegmentReason,
    SlaRecord,
    Target,
)

CALENDAR_FIELDS = ("name", "timezone", "hours", "exceptions")
AGREEMENT_FIELDS = (
    "name",
    "service",
    "organization",
    "calendar",
    "availability_target",
    "max_interruption_minutes",
    "pause_states",
    "warning_percent",
    "is_active",
)
OUTAGE_FIELDS = (
    "service",
    "organization",
    "started_at",
    "ended_at",
    "planned",
    "incident_reference",
    "description",
)
DEFAULT_TARGETS = {"response_minutes": 120, "resolution_minutes": 240}  # the manual, §5.1
DEFAULT_PAUSE_STATES = ["waiting_on_customer"]
MAX_TARGET = 366 * 24 * 60  # a year of minutes: beyond that a target means nothing


# --- calendars -------------------------------------------------------------------------


def _host_dependent(zone: str) -> bool:
    """Names whose meaning depends on the server's own tzdata set-up, not a place."""
    return zone in {"localtime", "posixrules", "Factory"} or zone.startswith(("posix/", "right/"))


def _validated_spec(timezone_name: str, hours: Any, exceptions: Any) -> clock.Calendar:
    """The clock calendar for these values; a ValidationError names the bad field."""
    if timezone_name not in zoneinfo.available_timezones() or _host_dependent(timezone_name):
        raise ValidationError(
            {"timezone": _("Unknown time zone “%(value)s”.") % {"value": timezone_name}}
        )
    try:
        calendar = clock.Calendar.from_spec(
            timezone=timezone_name, hours=hours, exceptions=exceptions
        )
    except clock.ClockError as error:
        root = error.field.split(".")[0].split("[")[0]
        raise ValidationError({root: f"{error.field}: {error.message}"}, code="invalid") from error
    if not any(calendar.hours):
        raise ValidationError(
            {"hours": _("A calendar needs working hours on at least one weekday.")}
        )
    return calendar


def _snapshot_version(calendar: Calendar) -> None:
    CalendarVersion.objects.create(
        calendar=calendar, version=calendar.version, spec=calendar.spec()
    )


@transaction.atomic
def create_calendar(
    *,
    actor: Any,
    name: str,
    timezone_name: str = "Asia/Shanghai",
    hours: dict[str, Any] | None = None,
    exceptions: list[dict[str, Any]] | None = None,
) -> Calendar:
    require_permission(actor, "sla.add_calendar")
    hours = (
        hours
        if hours is not None
        else {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    )
    exceptions = exceptions or []
    _validated_spec(timezone_name, hours, exceptions)
    calendar = Calendar(name=name, timezone=timezone_name, hours=hours, exceptions=exceptions)
    calendar.full_clean()
    calendar.save()
    _snapshot_version(calendar)
    audit.record_create(calendar, CALENDAR_FIELDS, actor=actor)
    return calendar


@transaction.atomic
def update_calendar(calendar: Calendar, *, actor: Any, **changes: Any) -> Calendar:
    """Changes hours, exceptions or time zone: a new version; open SLA records are
    recomputed — their past stays counted with the version that applied then."""
    require_permission(actor, "sla.change_calendar")
    require_visible(actor, calendar)
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    before = audit.snapshot(calendar, CALENDAR_FIELDS)
    apply_changes(calendar, CALENDAR_FIELDS, changes)
    _validated_spec(calendar.timezone, calendar.hours, calendar.exceptions)
    calendar.full_clean()
    changed = audit.diff(before, audit.snapshot(calendar, CALENDAR_FIELDS))
    if not changed:
        return calendar
    timing_changed = bool(set(changed) - {"name"})
    if timing_changed:
        calendar.version += 1
    calendar.save()
    if timing_changed:
        _snapshot_version(calendar)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=calendar, changes=changed)
    if timing_changed:
        with audit.sealing_deferred():
            for record in _open_records_for_update(calendar=calendar):
                _recompute(
                    record, actor=actor, reason=SegmentReason.CALENDAR_CHANGED, boundary=True
                )
    return calendar


@transaction.atomic
def delete_calendar(calendar: Calendar, *, actor: Any) -> None:
    require_permission(actor, "sla.delete_calendar")
    require_visible(actor, calendar)
    in_history = SlaRecord.objects.annotate(text=Cast("segments", models.TextField())).filter(
        text__contains=f'"calendar": {calendar.pk},'
    )
    if calendar.agreements.exists() or calendar.records.exists() or in_history.exists():
        raise ValidationError(
            _("This calendar is used by agreements; it cannot be deleted."), code="protected"
        )
    audit.record_delete(calendar, CALENDAR_FIELDS, actor=actor)
    calendar.delete()


def china_exceptions(years: Iterable[int]) -> list[dict[str, Any]]:
    """China's statutory holidays and adjusted working days (调休) for `years`, from the
    chinesecalendar package; a ValidationError names a year it does not cover."""
    import chinese_calendar

    exceptions: list[dict[str, Any]] = []
    for year in sorted(set(years)):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        try:
            holidays = chinese_calendar.get_holidays(start, end, include_weekends=False)
            workdays = chinese_calendar.get_workdays(start, end, include_weekends=True)
            lieu = [day for day in workdays if day.weekday() >= 5]
        except NotImplementedError as error:
            raise ValidationError(
                {
                    "years": _(
                        "China's holiday schedule for %(year)s is not available yet; "
                        "enter its exceptions by hand once it is published."
                    )
                    % {"year": year}
                }
            ) from error
        exceptions += [{"date": day.isoformat(), "working": False} for day in holidays]
        exceptions += [{"date": day.isoformat(), "working": True} for day in lieu]
    return sorted(exceptions, key=lambda item: item["date"])


@transaction.atomic
def import_china_holidays(calendar: Calendar, *, actor: Any, years: Sequence[int]) -> Calendar:
    """Replaces the calendar's exceptions within `years` by China's official schedule;
    exceptions in other years are kept."""
    if not years:
        raise ValidationError({"years": _("Give at least one year.")})
    imported = china_exceptions(years)
    kept = [
        item
        for item in calendar.exceptions
        if int(str(item.get("date", "0"))[:4]) not in set(years)
    ]
    return update_calendar(
        calendar, actor=actor, exceptions=sorted(kept + imported, key=lambda item: item["date"])
    )


# --- agreements ------------------------------------------------------------------------


def _check_pause_states(states: Any) -> list[str]:
    if not isinstance(states, list) or not all(isinstance(s, str) and s for s in states):
        raise ValidationError({"pause_states": _("A list of state codes is expected.")})
    return sorted(set(states))


def _set_targets(agreement: Agreement, targets: Iterable[dict[str, Any]] | None) -> None:
    """Targets per priority; priorities not given keep their value (or the manual's
    defaults, response 120 and resolution 240 business minutes)."""
    given = {}
    for index, item in enumerate(targets or []):
        priority = item.get("priority")
        if priority not in Priority.values:
            raise ValidationError({f"targets.{index}.priority": _("Unknown priority.")})
        if priority in given:
            raise ValidationError({f"targets.{index}.priority": _("Each priority once.")})
        for key in ("response_minutes", "resolution_minutes"):
            value = item.get(key, DEFAULT_TARGETS[key])
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 1 <= value <= MAX_TARGET
            ):
                raise ValidationError(
                    {f"targets.{index}.{key}": _("A whole number of minutes, at least 1.")}
                )
        given[priority] = item
    existing = {t.priority: t for t in agreement.targets.all()}
    for priority in Priority.values:
        values = {key: given.get(priority, {}).get(key) for key in DEFAULT_TARGETS}
        target = existing.get(priority) or Target(
            agreement=agreement, priority=priority, **DEFAULT_TARGETS
        )
        for key, value in values.items():
            if value is not None:
                setattr(target, key, value)
        target.save()


def _rule_key(rule: EscalationRule) -> tuple[Any, ...]:
    return (
        rule.kind,
        rule.at_percent,
        rule.action,
        rule.notify_user_id,
        rule.notify_team_id,
        rule.notify_role,
        rule.reassign_team_id,
    )


def _set_escalations(agreement: Agreement, rules: Iterable[dict[str, Any]] | None) -> None:
    """Make the agreement's rules exactly `rules`. Unchanged rules are kept, so what they
    already fired is remembered and does not fire again."""
    if rules is None:
        return
    existing = {_rule_key(rule): rule for rule in agreement.escalations.all()}
    wanted = []
    for index, item in enumerate(rules):
        rule = EscalationRule(agreement=agreement, **item)
        try:
            rule.full_clean(exclude=["agreement"])
        except ValidationError as error:
            raise ValidationError(
                {
                    f"escalations.{index}.{field}": messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
        if rule.action == "notify" and not (
            rule.notify_user_id or rule.notify_team_id or rule.notify_role
        ):
            raise ValidationError({f"escalations.{index}": _("Say whom to notify.")})
        if rule.action == "reassign" and not rule.reassign_team_id:
            raise ValidationError(
                {f"escalations.{index}.reassign_team": _("Say which team takes over.")}
            )
        wanted.append(rule)
    keep = {_rule_key(rule) for rule in wanted}
    for key, rule in existing.items():
        if key not in keep:
            rule.delete()
    for rule in wanted:
        if _rule_key(rule) not in existing:
            rule.save()


def _agreement_state(agreement: Agreement) -> dict[str, Any]:
    state = audit.snapshot(agreement, AGREEMENT_FIELDS)
    state["targets"] = {
        t.priority: [t.response_minutes, t.resolution_minutes]
        for t in agreement.targets.order_by("priority")
    }
    state["escalations"] = [str(rule) for rule in agreement.escalations.all()]
    return state


@transaction.atomic
def create_agreement(
    *,
    actor: Any,
    name: str,
    service: Any,
    calendar: Calendar,
    organization: Any = None,
    targets: Iterable[dict[str, Any]] | None = None,
    escalations: Iterable[dict[str, Any]] | None = None,
    pause_states: list[str] | None = None,
    availability_target: Decimal | float | str = Decimal("99.900"),
    max_interruption_minutes: int = 60,
    warning_percent: int = 75,
    is_active: bool = True,
) -> Agreement:
    require_permission(actor, "sla.add_agreement")
    agreement = Agreement(
        name=name,
        service=service,
        organization=organization,
        calendar=calendar,
        pause_states=_check_pause_states(
            DEFAULT_PAUSE_STATES if pause_states is None else pause_states
        ),
        availability_target=Decimal(str(availability_target)),
        max_interruption_minutes=max_interruption_minutes,
        warning_percent=warning_percent,
        is_active=is_active,
    )
    agreement.full_clean()
    agreement.save()
    _set_targets(agreement, targets)
    _set_escalations(agreement, escalations)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=agreement,
        changes=audit.diff({}, _agreement_state(agreement)),
    )
    return agreement


@transaction.atomic
def update_agreement(
    agreement: Agreement,
    *,
    actor: Any,
    targets: Iterable[dict[str, Any]] | None = None,
    escalations: Iterable[dict[str, Any]] | None = None,
    **changes: Any,
) -> Agreement:
    """A new version; open records under it take the new targets and calendar from now."""
    require_permission(actor, "sla.change_agreement")
    require_visible(actor, agreement)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    before = _agreement_state(agreement)
    if "pause_states" in changes:
        changes["pause_states"] = _check_pause_states(changes["pause_states"])
    apply_changes(agreement, AGREEMENT_FIELDS, changes)
    agreement.full_clean()
    agreement.save()
    if targets is not None:
        _set_targets(agreement, targets)
    _set_escalations(agreement, escalations)
    changed = audit.diff(before, _agreement_state(agreement))
    if not changed:
        return agreement
    agreement.version += 1
    agreement.save(update_fields=["version", "updated_at"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=agreement, changes=changed)
    targets_by_priority = {t.priority: t for t in agreement.targets.all()}
    with audit.sealing_deferred():
        for record in _open_records_for_update(agreement=agreement):
            target = targets_by_priority.get(record.priority)
            field = f"{record.kind}_minutes"
            record.target_minutes = getattr(target, field) if target else DEFAULT_TARGETS[field]
            record.calendar = agreement.calendar
            record.agreement_version = agreement.version
            _recompute(record, actor=actor, reason=SegmentReason.AGREEMENT_CHANGED, boundary=True)
    return agreement


@transaction.atomic
def delete_agreement(agreement: Agreement, *, actor: Any) -> None:
    require_permission(actor, "sla.delete_agreement")
    require_visible(actor, agreement)
    if agreement.records.exists():
        raise ValidationError(
            _("SLA records refer to this agreement; deactivate it instead."), code="protected"
        )
    audit.record_delete(agreement, AGREEMENT_FIELDS, actor=actor)
    agreement.delete()


# --- SLA records -----------------------------------------------------------------------


def _target_minutes(agreement: Agreement, priority: str, kind: str) -> int:
    field = f"{kind}_minutes"
    target = agreement.targets.filter(priority=priority).first()
    return int(getattr(target, field) if target else DEFAULT_TARGETS[field])


def _schedule_escalation_check(record: SlaRecord, *, save: bool = True) -> None:
    """Note when the record next needs a look and, when that instant moved, ask the
    worker for a check then (the periodic sweep catches up should the worker be down)."""
    from yunwei.sla.escalation import next_check_at
    from yunwei.sla.jobs import check_sla_record

    previous = record.next_check_at
    record.next_check_at = next_check_at(record)
    if save:
        SlaRecord.objects.filter(pk=record.pk).update(next_check_at=record.next_check_at)
    if record.next_check_at is not None and record.next_check_at != previous:
        when = max(record.next_check_at, timezone.now())
        enqueue_on_commit(check_sla_record.using(run_after=when), record_id=record.pk)


def _share_lock(model: type[models.Model], pk: int) -> None:
    """SELECT … FOR SHARE on PostgreSQL; SQLite serialises writers anyway."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR SHARE", [pk])  # noqa: S608


def _open_records_for_update(**filters: Any) -> Any:
    """Open records locked for a recompute, with what the recompute reads preloaded."""
    return (
        SlaRecord.objects.open()
        .filter(**filters)
        .select_for_update(of=("self",))
        .select_related("agreement", "calendar", "content_type")
        .prefetch_related("firings", "agreement__escalations")
    )


def _clock_errors_as_validation(call: Any) -> Any:
    """Runs a computation of due times; an impossible one (no working time left in the
    calendar, a target beyond the horizon) is the caller's error, naming the field."""
    try:
        return call()
    except clock.ClockError as error:
        field = "calendar" if error.field in {"hours", "exceptions"} else "targets"
        raise ValidationError({field: error.message}, code="invalid") from error


def _recompute(
    record: SlaRecord,
    *,
    actor: Any,
    reason: str = "",
    boundary: bool = False,
    now: dt.datetime | None = None,
) -> SlaRecord:
    """Recompute due and warning times from the record's history; with `boundary`, the
    open stretch is split at `now` so that what follows uses the current calendar version
    and target (what came before keeps what applied then)."""
    now = now or timezone.now()
    before = {"due_at": record.due_at, "target_minutes": record.target_minutes}
    if boundary and record.segments and record.segments[-1]["end"] is None:
        state = record.segments[-1]["state"]
        previous_reason = record.segments[-1]["reason"]
        record.segments = engine.close_open_segment(record.segments, now)
        record.segments.append(
            engine.segment(
                now,
                state,
                calendar=record.calendar,
                target=record.target_minutes,
                reason=previous_reason if state == "paused" else reason,
            )
        )
    computed = _clock_errors_as_validation(
        lambda: engine.compute(record, now, record.agreement.warning_percent)
    )
    record.due_at, record.warning_at = computed.due_at, computed.warning_at
    record.elapsed_minutes = round(computed.elapsed.total_seconds() / 60, 2)
    if record.is_open:
        _schedule_escalation_check(record, save=False)
    record.save()
    changed = audit.diff(before, {"due_at": record.due_at, "target_minutes": record.target_minutes})
    if changed:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=record,
            changes={**changed, "reason": [None, reason]} if reason else changed,
        )
    return record


@transaction.atomic
def start_records(
    tracked: models.Model,
    *,
    actor: Any,
    agreement: Agreement,
    priority: str,
    organization_id: int | None,
    at: dt.datetime | None = None,
    kinds: Sequence[str] = (RecordKind.RESPONSE, RecordKind.RESOLUTION),
) -> list[SlaRecord]:
    """Start the response and resolution clocks of a tracked object (a ticket…)."""
    from django.contrib.contenttypes.models import ContentType

    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    at = at or timezone.now()
    # Hold the agreement and its calendar steady (shared, so starts run side by side)
    # so that an edit being committed now cannot leave this record on the old version.
    _share_lock(Agreement, agreement.pk)
    _share_lock(Calendar, agreement.calendar_id)
    agreement = Agreement.objects.select_related("calendar").get(pk=agreement.pk)
    records = []
    for kind in kinds:
        target = _target_minutes(agreement, priority, kind)
        record = SlaRecord(
            content_type=ContentType.objects.get_for_model(tracked),
            object_id=tracked.pk,
            organization_id=organization_id,
            agreement=agreement,
            agreement_version=agreement.version,
            calendar=agreement.calendar,
            kind=kind,
            priority=priority,
            target_minutes=target,
            started_at=at,
            segments=[engine.segment(at, "running", calendar=agreement.calendar, target=target)],
        )
        computed = _clock_errors_as_validation(
            lambda record=record: engine.compute(record, at, agreement.warning_percent)
        )
        record.due_at, record.warning_at = computed.due_at, computed.warning_at
        record.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            organization_id=organization_id,
            changes={
                "kind": [None, kind],
                "priority": [None, priority],
                "target_minutes": [None, target],
                "due_at": [None, record.due_at],
            },
        )
        _schedule_escalation_check(record)
        records.append(record)
    return records


def _open_records(tracked: models.Model, kinds: Sequence[str] | None = None) -> list[SlaRecord]:
    records = SlaRecord.objects.for_object(tracked).filter(state__in=OPEN_STATES)
    if kinds:
        records = records.filter(kind__in=kinds)
    return list(
        records.select_for_update(of=("self",)).select_related(
            "agreement", "calendar", "content_type"
        )
    )


@transaction.atomic
def pause_records(
    tracked: models.Model, *, actor: Any, reason: str, at: dt.datetime | None = None
) -> list[SlaRecord]:
    """Stop the clocks while the object waits (on the customer, a third party, a change
    freeze…); the reason is kept in the record's timeline."""
    at = at or timezone.now()
    paused = []
    for record in _open_records(tracked):
        if record.state == RecordState.PAUSED:
            continue
        record.segments = engine.close_open_segment(record.segments, at)
        record.segments.append(
            engine.segment(
                at,
                "paused",
                calendar=record.calendar,
                target=record.target_minutes,
                reason=reason,
            )
        )
        record.state = RecordState.PAUSED
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=record,
            organization_id=record.organization_id,
            changes={"state": ["running", "paused"], "reason": [None, reason]},
        )
        paused.append(_recompute(record, actor=actor, now=at))
    return paused


@transaction.atomic
def resume_records(
    tracked: models.Model, *, actor: Any, at: dt.datetime | None = None
) -> list[SlaRecord]:
    at = at or timezone.now()
    resumed = []
    for record in _open_records(tracked):
        if record.state != RecordState.PAUSED:
            continue
        record.segments = engine.close_open_segment(record.segments, at)
        record.segments.append(
            engine.segment(
                at,
                "running",
                calendar=record.calendar,
                target=record.target_minutes,
            )
        )
        record.state = RecordState.RUNNING
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=record,
            organization_id=record.organization_id,
            changes={"state": ["paused", "running"]},
        )
        resumed.append(_recompute(record, actor=actor, now=at))
    return resumed


@transaction.atomic
def stop_records(
    tracked: models.Model, *, actor: Any, kinds: Sequence[str], at: dt.datetime | None = None
) -> list[SlaRecord]:
    """The target was reached (first reply sent, resolved): met, or breached if late."""
    at = at or timezone.now()
    stopped = []
    for record in _open_records(tracked, kinds):
        record.segments = engine.close_open_segment(record.segments, at)
        computed = engine.compute(record, at, record.agreement.warning_percent)
        record.elapsed_minutes = round(computed.elapsed.total_seconds() / 60, 2)
        # Late means stopped after the due instant (or already marked breached by the
        # worker); exact instants, no rounded minutes.
        breached = record.breached_at is not None or (
            computed.due_at is not None and at > computed.due_at
        )
        record.state = RecordState.BREACHED if breached else RecordState.MET
        record.stopped_at = at
        if breached and record.breached_at is None:
            record.breached_at = computed.due_at or at
        record.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=record,
            organization_id=record.organization_id,
            changes={
                "state": ["running", record.state],
                "elapsed_minutes": [None, record.elapsed_minutes],
            },
        )
        stopped.append(record)
    return stopped


@transaction.atomic
def change_priority(
    tracked: models.Model, *, actor: Any, priority: str, at: dt.datetime | None = None
) -> list[SlaRecord]:
    """A new priority brings its targets; the whole history counts against them."""
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    changed = []
    for record in _open_records(tracked):
        if record.priority == priority:
            continue
        record.priority = priority
        record.target_minutes = _target_minutes(record.agreement, priority, record.kind)
        changed.append(
            _recompute(
                record, actor=actor, reason=SegmentReason.PRIORITY_CHANGED, boundary=True, now=at
            )
        )
    return changed


# --- outages ---------------------------------------------------------------------------


def _check_outage(outage: Outage) -> None:
    outage.full_clean()
    for field in ("started_at", "ended_at"):
        value = getattr(outage, field)
        if value is not None and not 1970 <= value.astimezone(dt.UTC).year <= 2999:
            raise ValidationError({field: _("Give a time between 1970 and 2999.")})
    if (
        outage.organization_id
        and not outage.service.organizations.filter(pk=outage.organization_id).exists()
    ):
        raise ValidationError({"organization": _("This customer does not use the service.")})


@transaction.atomic
def record_outage(
    *,
    actor: Any,
    service: Any,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    organization: Any = None,
    planned: bool = False,
    incident_reference: str = "",
    description: str = "",
) -> Outage:
    require_permission(actor, "sla.add_outage")
    outage = Outage(
        service=service,
        organization=organization,
        started_at=started_at,
        ended_at=ended_at,
        planned=planned,
        incident_reference=incident_reference,
        description=description,
    )
    _check_outage(outage)
    outage.save()
    audit.record_create(outage, OUTAGE_FIELDS, actor=actor)
    return outage


@transaction.atomic
def update_outage(outage: Outage, *, actor: Any, **changes: Any) -> Outage:
    require_permission(actor, "sla.change_outage")
    require_visible(actor, outage)
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    before = audit.snapshot(outage, OUTAGE_FIELDS)
    apply_changes(outage, OUTAGE_FIELDS, changes)
    _check_outage(outage)
    changed = audit.diff(before, audit.snapshot(outage, OUTAGE_FIELDS))
    if changed:
        outage.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=outage, changes=changed)
    return outage


@transaction.atomic
def delete_outage(outage: Outage, *, actor: Any) -> None:
    require_permission(actor, "sla.delete_outage")
    require_visible(actor, outage)
    audit.record_delete(outage, OUTAGE_FIELDS, actor=actor)
    outage.delete()
