"""SLA records: starting, pausing, resuming and stopping clocks, and recomputing them
from their history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.core import audit
from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.models import AuditAction
from yunwei.sla import clock, engine
from yunwei.sla.escalation import alert, records_changed
from yunwei.sla.models import (
    OPEN_STATES,
    Agreement,
    Calendar,
    Priority,
    RecordKind,
    RecordState,
    SegmentReason,
    SlaRecord,
)

DEFAULT_TARGETS = {"response_minutes": 120, "resolution_minutes": 240}  # the manual, §5.1


# --- SLA records -----------------------------------------------------------------------


def _target_minutes(agreement: Agreement, priority: str, kind: str) -> int:
    field = f"{kind}_minutes"
    target = agreement.targets.filter(priority=priority).first()
    return int(getattr(target, field) if target else DEFAULT_TARGETS[field])


def schedule_escalation_check(record: SlaRecord, *, save: bool = True) -> None:
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


def open_records_for_update(**filters: Any) -> Any:
    """Open records locked for a recompute, with what the recompute reads preloaded; the
    objects they track are locked first (the order every writer follows)."""
    from yunwei.sla.escalation import lock_tracked

    pairs = (
        SlaRecord.objects.open()
        .filter(**filters)
        .values_list("content_type__app_label", "content_type__model", "object_id")
    )
    lock_tracked([(f"{app}.{model}", object_id) for app, model, object_id in pairs])
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


def recompute(
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
    if (
        record.warned_at is not None
        and record.breached_at is None
        and record.warning_at is not None
        and record.warning_at > now
        and (before["due_at"] is None or record.warning_at > before["due_at"])
    ):
        # Moved out well ahead (past the old due time: a lower priority, a long pause):
        # warn again when it comes. A nudge of a few minutes does not warn twice.
        record.warned_at = None
    record.elapsed_minutes = round(computed.elapsed.total_seconds() / 60, 2)
    if record.is_open:
        schedule_escalation_check(record, save=False)
    record.save()
    records_changed(record)
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
        schedule_escalation_check(record)
        records.append(record)
    if records:
        records_changed(records[0])
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
        paused.append(recompute(record, actor=actor, now=at))
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
        resumed.append(recompute(record, actor=actor, now=at))
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
        newly_breached = breached and record.breached_at is None
        if newly_breached:
            record.breached_at = computed.due_at or at
        record.save()
        records_changed(record)
        if newly_breached:
            alert(record, "breached")  # late, before the worker noticed
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
            recompute(
                record, actor=actor, reason=SegmentReason.PRIORITY_CHANGED, boundary=True, now=at
            )
        )
    return changed


@transaction.atomic
def reopen_records(
    tracked: models.Model, *, actor: Any, kinds: Sequence[str], at: dt.datetime | None = None
) -> list[SlaRecord]:
    """The object was reopened: stopped clocks of `kinds` run again, the time it spent
    resolved kept as a paused stretch (it does not count against the target)."""
    at = at or timezone.now()
    reopened = []
    records = (
        SlaRecord.objects.for_object(tracked)
        .filter(kind__in=kinds, state__in=[RecordState.MET, RecordState.BREACHED])
        .select_for_update(of=("self",))
        .select_related("agreement", "calendar", "content_type")
    )
    for record in records:
        previous = record.state
        stopped = record.stopped_at or at
        record.segments = [
            *record.segments,
            {**engine.segment(stopped, "paused", calendar=record.calendar,
                              target=record.target_minutes, reason=SegmentReason.RESOLVED),
             "end": max(at, stopped).isoformat()},
            engine.segment(at, "running", calendar=record.calendar, target=record.target_minutes),
        ]  # fmt: skip
        record.state = RecordState.RUNNING
        record.stopped_at = None
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=record,
            organization_id=record.organization_id,
            changes={"state": [previous, "running"], "reason": [None, "reopened"]},
        )
        reopened.append(recompute(record, actor=actor, now=at))
    return reopened


@transaction.atomic
def change_agreement(
    tracked: models.Model,
    *,
    actor: Any,
    agreement: Agreement,
    organization_id: int | None,
    at: dt.datetime | None = None,
) -> list[SlaRecord]:
    """The object moved to another service or customer: its open records follow the
    agreement that now applies, from now on (what came before keeps what applied)."""
    changed = []
    for record in _open_records(tracked):
        if record.agreement_id == agreement.pk and record.organization_id == organization_id:
            continue
        record.agreement = agreement
        record.agreement_version = agreement.version
        record.calendar = agreement.calendar
        record.organization_id = organization_id
        record.target_minutes = _target_minutes(agreement, record.priority, record.kind)
        changed.append(
            recompute(
                record, actor=actor, reason=SegmentReason.SERVICE_CHANGED, boundary=True, now=at
            )
        )
    return changed
