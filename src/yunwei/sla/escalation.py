"""Breaches and escalation rules, fired once each.

`check(record_id)` is run by the worker at the instant a record's next breach or rule
falls due, and by a sweep after downtime. Firing inserts an `EscalationFiring` row whose
unique (record, rule) pair makes a second worker, a retry or a restart a no-op.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from yunwei.core import audit
from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.models import AuditAction
from yunwei.sla import engine
from yunwei.sla.models import EscalationFiring, EscalationRule, SlaRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handler:
    """What a tracked kind of object (tickets, complaints…) does when escalated."""

    reassign: Callable[[Any, Any], None]  # (object, team)
    raise_priority: Callable[[Any], None]  # (object)
    # Told the object's id whenever one of its records' due time or state changed, so
    # the object can keep a copy its lists sort by.
    records_changed: Callable[[int], None] | None = None
    # Locks the objects with these ids. Writers lock the tracked object before its
    # records; the SLA app does the same through this hook, so they never deadlock.
    lock: Callable[[list[int]], None] | None = None
    # Told (object, "warning" | "breached" | "escalated", record, recipients) once per
    # record when its warning or due time passes, and once per "notify" rule fired (with
    # the users the rule names), in the transaction that marks it. The object's app
    # turns these into events; its mail then goes through the notifications outbox.
    alert: Callable[[Any, str, SlaRecord, list[Any]], None] | None = None


HANDLERS: dict[str, Handler] = {}


@task()
def send_escalation_mail(subject: str, body: str, recipients: list[str]) -> int:
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def register(model_label: str, handler: Handler) -> None:
    HANDLERS[model_label] = handler


def records_changed(record: SlaRecord) -> None:
    handler = HANDLERS.get(f"{record.content_type.app_label}.{record.content_type.model}")
    if handler is not None and handler.records_changed is not None:
        handler.records_changed(record.object_id)


def lock_tracked(pairs: list[tuple[str, int]]) -> None:
    """Locks the tracked objects of (model label, id) pairs, in id order, ahead of their
    records."""
    by_label: dict[str, set[int]] = {}
    for label, object_id in pairs:
        by_label.setdefault(label, set()).add(object_id)
    for label, ids in sorted(by_label.items()):
        handler = HANDLERS.get(label)
        if handler is not None and handler.lock is not None:
            handler.lock(sorted(ids))


def alert(record: SlaRecord, what: str, recipients: list[Any] | None = None) -> bool:
    """Tells the tracked object's handler; False when nobody handles it."""
    handler = HANDLERS.get(f"{record.content_type.app_label}.{record.content_type.model}")
    tracked = record.tracked
    if handler is None or handler.alert is None or tracked is None:
        return False
    handler.alert(tracked, what, record, recipients or [])
    return True


def rule_instant(record: SlaRecord, rule: EscalationRule) -> dt.datetime | None:
    return engine.instant_of(record, engine.share_of_target(record, rule.at_percent))


def _rules(record: SlaRecord) -> list[EscalationRule]:
    return [r for r in record.agreement.escalations.all() if r.kind == record.kind]


def next_check_at(record: SlaRecord) -> dt.datetime | None:
    """The earliest pending instant: the breach, or an escalation rule not yet fired."""
    if not record.is_open:
        return None
    fired = {firing.rule_id for firing in record.firings.all()}
    instants = [record.due_at] if record.breached_at is None else []
    if record.warned_at is None and record.breached_at is None:
        instants.append(record.warning_at)
    instants += [rule_instant(record, rule) for rule in _rules(record) if rule.pk not in fired]
    pending = [instant for instant in instants if instant is not None]
    return min(pending) if pending else None


def _recipients(rule: EscalationRule) -> list[Any]:
    from django.db.models import Q

    from yunwei.accounts.models import User

    named = Q(pk__in=[])
    if rule.notify_user_id:
        named |= Q(pk=rule.notify_user_id)
    if rule.notify_team_id:
        named |= Q(teams__id=rule.notify_team_id)
    if rule.notify_role:
        named |= Q(groups__role__code=rule.notify_role)
    # Escalations are the provider's business: never tell a customer's users.
    users = User.objects.filter(named, is_active=True, organization__kind="provider")
    return list(users.distinct().order_by("email"))


def _perform(record: SlaRecord, rule: EscalationRule) -> str:
    """Carries out the rule; returns what was done, for the audit trail."""
    label = record.content_type.app_label + "." + record.content_type.model
    if rule.action == "notify":
        users = _recipients(rule)
        recipients = sorted({user.email for user in users if user.email})
        if alert(record, "escalated", users):
            return "notified " + ", ".join(recipients)
        # Nobody turns this kind into notifications: a plain mail says it.
        subject = _("SLA escalation: %(record)s at %(percent)s%% of its target") % {
            "record": record,
            "percent": rule.at_percent,
        }
        body = _("Due: %(due)s\nTarget: %(minutes)s business minutes\nRule: %(rule)s") % {
            "due": record.due_at,
            "minutes": record.target_minutes,
            "rule": rule,
        }
        # A queued job, not a send in the worker's hand: an SMTP failure is recorded
        # with the job instead of vanishing after the firing committed.
        enqueue_on_commit(send_escalation_mail, subject=subject, body=body, recipients=recipients)
        return "notified " + ", ".join(recipients)
    handler = HANDLERS.get(label)
    tracked = record.tracked
    if handler is None or tracked is None:
        return f"no escalation handler for {label}"
    if rule.action == "reassign":
        handler.reassign(tracked, rule.reassign_team)
        return f"reassigned to team {rule.reassign_team_id}"
    handler.raise_priority(tracked)
    return "raised priority"


@transaction.atomic
def check(record_id: int, now: dt.datetime | None = None) -> list[str]:
    """Marks a breach and fires every rule whose instant has passed; returns what fired."""
    now = now or timezone.now()
    tracked = (
        SlaRecord.objects.filter(pk=record_id)
        .values_list("content_type__app_label", "content_type__model", "object_id")
        .first()
    )
    if tracked is None:
        return []
    lock_tracked([(f"{tracked[0]}.{tracked[1]}", tracked[2])])
    record = (
        SlaRecord.objects.select_for_update(of=("self",))
        .select_related("agreement", "calendar", "content_type")
        .filter(pk=record_id)
        .first()
    )
    if record is None or not record.is_open:
        return []
    fired: list[str] = []
    if record.breached_at is None and record.due_at is not None and record.due_at <= now:
        record.breached_at = record.due_at
        # A record found breached is past its warning too: one alert, the breach.
        record.warned_at = record.warned_at or now
        record.save(update_fields=["breached_at", "warned_at"])
        audit.record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=record,
            changes={"breached_at": [None, record.breached_at]},
        )
        records_changed(record)
        alert(record, "breached")
        fired.append("breach")
    elif record.warned_at is None and record.warning_at is not None and record.warning_at <= now:
        record.warned_at = now
        record.save(update_fields=["warned_at"])
        alert(record, "warning")
        fired.append("warning")
    for rule in _rules(record):
        instant = rule_instant(record, rule)
        if instant is None or instant > now:
            continue
        try:
            with transaction.atomic():
                EscalationFiring.objects.create(record=record, rule=rule)
        except IntegrityError:
            continue  # fired already: by another worker, or before a restart
        outcome = _perform(record, rule)
        # Reassigning or a new priority may have recomputed the record: go on from that.
        record = (
            SlaRecord.objects.select_related("agreement", "calendar", "content_type")
            .prefetch_related("firings")
            .get(pk=record.pk)
        )
        audit.record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=record,
            internal=True,  # who was told stays with the provider
            changes={"escalation": [None, f"{rule}: {outcome}"]},
        )
        fired.append(str(rule))
    from yunwei.sla.actions.records import schedule_escalation_check

    schedule_escalation_check(record)
    return fired
