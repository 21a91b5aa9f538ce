"""Service level agreements: targets per priority and escalation rules."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yunwei.core import audit
from yunwei.core.changes import apply_changes
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.sla.actions.records import (
    DEFAULT_TARGETS,
    open_records_for_update,
    recompute,
)
from yunwei.sla.models import (
    Agreement,
    Calendar,
    EscalationRule,
    Priority,
    SegmentReason,
    Target,
)

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
DEFAULT_PAUSE_STATES = ["waiting_on_customer"]
MAX_TARGET = 366 * 24 * 60  # a year of minutes: beyond that a target means nothing


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
        for record in open_records_for_update(agreement=agreement):
            target = targets_by_priority.get(record.priority)
            field = f"{record.kind}_minutes"
            record.target_minutes = getattr(target, field) if target else DEFAULT_TARGETS[field]
            record.calendar = agreement.calendar
            record.agreement_version = agreement.version
            recompute(record, actor=actor, reason=SegmentReason.AGREEMENT_CHANGED, boundary=True)
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
