"""Service desk configuration: categories, the priority matrix, canned responses,
assignment rules and saved views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils.translation import gettext as _

from yunwei.accounts.models import User
from yunwei.catalog.models import Service
from yunwei.core import audit
from yunwei.core.changes import refuse_unknown
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission
from yunwei.sla.models import Priority
from yunwei.tickets import custom_fields
from yunwei.tickets.models import (
    AssignmentRule,
    CannedResponse,
    Category,
    Level,
    PriorityCell,
    SavedView,
)

CATEGORY_FIELDS = (
    "parent",
    "name_zh",
    "name_en",
    "ticket_types",
    "fields",
    "services",
    "is_active",
)
CANNED_FIELDS = ("title", "body", "team")
RULE_FIELDS = (
    "name",
    "order",
    "service",
    "category",
    "organization",
    "ticket_type",
    "team",
    "method",
    "is_active",
)
VIEW_FIELDS = ("name", "query", "shared")


def _save_new(obj: Model, fields: tuple[str, ...], actor: User | None) -> Any:
    obj.full_clean(validate_constraints=False)
    obj.save()
    audit.record_create(obj, fields, actor=actor)
    return obj


def _save_changes(obj: Model, fields: tuple[str, ...], actor: User | None, changes: dict) -> Any:
    refuse_unknown(fields, changes)
    # Compare with what is stored, not with the caller's copy (a bound form has already
    # written the new values onto it).
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = audit.snapshot(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.full_clean(validate_constraints=False)
    changed = audit.diff(before, audit.snapshot(obj, fields))
    if changed:
        obj.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=obj, changes=changed)
    return obj


def _delete(obj: Model, fields: tuple[str, ...], actor: User | None) -> None:
    obj = type(obj)._default_manager.select_for_update().get(pk=obj.pk)  # what is stored
    audit.record_delete(obj, fields, actor=actor)
    try:
        obj.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("This is still in use; mark it inactive instead."), code="protected"
        ) from error


def _check_category(category: Category) -> None:
    category.fields = custom_fields.validate_declarations(category.fields)
    unknown = [
        t for t in category.ticket_types or [] if t not in ("incident", "request", "problem")
    ]
    if not isinstance(category.ticket_types, list) or unknown:
        raise ValidationError({"ticket_types": _("Choose among incident, request and problem.")})
    ancestor = category.parent
    while ancestor is not None:
        if ancestor.pk == category.pk:
            raise ValidationError({"parent": _("A category cannot sit under itself.")})
        ancestor = ancestor.parent
    if not (category.name_zh or "").strip() and not (category.name_en or "").strip():
        raise ValidationError({"name_zh": _("Give a name in Chinese, in English or both.")})


def _category_services(actor: User | None, services: Iterable[Service] | None) -> list[Service]:
    """The services a category is offered for (none: every service); each must be a
    service the actor sees, an unknown one is named, never revealed."""
    if services is None or isinstance(services, str | bytes | Service):
        raise ValidationError({"services": _("Give a list of services, empty for every one.")})
    services = list(services)
    if any(not isinstance(service, Service) or service.pk is None for service in services):
        raise ValidationError({"services": _("Give a list of services, empty for every one.")})
    pks = {service.pk for service in services}
    if actor is None or not pks:
        return services
    seen = set(Service.objects.visible_to(actor).filter(pk__in=pks).values_list("pk", flat=True))
    missing = sorted(pks - seen)
    if missing:
        raise ValidationError(
            {"services": _("Unknown service: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    return services


@transaction.atomic
def create_category(
    *, actor: User | None, services: Iterable[Service] = (), **fields: Any
) -> Category:
    """A category; `services` limits it to those services' tickets (none: every one)."""
    require_permission(actor, "tickets.add_category")
    refuse_unknown(CATEGORY_FIELDS, fields)
    services = _category_services(actor, services)
    category = Category(**fields)
    _check_category(category)
    category.full_clean(validate_constraints=False)
    category.save()
    category.services.set(services)
    audit.record_create(category, CATEGORY_FIELDS, actor=actor)
    return category


@transaction.atomic
def update_category(category: Category, *, actor: User | None, **changes: Any) -> Category:
    require_permission(actor, "tickets.change_category")
    refuse_unknown(CATEGORY_FIELDS, changes)
    category = Category.objects.select_for_update().get(pk=category.pk)
    before = audit.snapshot(category, CATEGORY_FIELDS)
    services = None
    if "services" in changes:
        services = _category_services(actor, changes.pop("services"))
    for name, value in changes.items():
        setattr(category, name, value)
    _check_category(category)
    category.full_clean(validate_constraints=False)
    if services is not None:
        category.services.set(services)
    changed = audit.diff(before, audit.snapshot(category, CATEGORY_FIELDS))
    if changed:
        category.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=category, changes=changed)
    return category


@transaction.atomic
def delete_category(category: Category, *, actor: User | None) -> None:
    require_permission(actor, "tickets.delete_category")
    _delete(category, CATEGORY_FIELDS, actor)


@transaction.atomic
def set_priority_matrix(*, actor: User | None, cells: dict[tuple[str, str], str]) -> None:
    """Stores the impact × urgency → priority cells given."""
    require_permission(actor, "tickets.change_prioritycell")
    for (impact, urgency), priority in cells.items():
        if impact not in Level.values or urgency not in Level.values:
            raise ValidationError({"matrix": _("Impact and urgency are high, medium or low.")})
        if priority not in Priority.values:
            raise ValidationError({"matrix": _("Unknown priority: %(p)s.") % {"p": priority}})
    from yunwei.tickets.priority import matrix

    before = {f"{i}/{u}": p for (i, u), p in matrix().items()}
    for (impact, urgency), priority in cells.items():
        PriorityCell.objects.update_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )
    after = {f"{i}/{u}": p for (i, u), p in matrix().items()}
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="tickets.prioritycell",
            object_id="matrix",
            object_repr=str(_("Priority matrix")),
            changes=changed,
            internal=True,
        )


@transaction.atomic
def create_canned_response(*, actor: User | None, **fields: Any) -> CannedResponse:
    require_permission(actor, "tickets.add_cannedresponse")
    refuse_unknown(CANNED_FIELDS, fields)
    return _save_new(CannedResponse(**fields), CANNED_FIELDS, actor)


@transaction.atomic
def update_canned_response(
    response: CannedResponse, *, actor: User | None, **changes: Any
) -> CannedResponse:
    require_permission(actor, "tickets.change_cannedresponse")
    return _save_changes(response, CANNED_FIELDS, actor, changes)


@transaction.atomic
def delete_canned_response(response: CannedResponse, *, actor: User | None) -> None:
    require_permission(actor, "tickets.delete_cannedresponse")
    _delete(response, CANNED_FIELDS, actor)


@transaction.atomic
def create_assignment_rule(*, actor: User | None, **fields: Any) -> AssignmentRule:
    require_permission(actor, "tickets.add_assignmentrule")
    refuse_unknown(RULE_FIELDS, fields)
    return _save_new(AssignmentRule(**fields), RULE_FIELDS, actor)


@transaction.atomic
def update_assignment_rule(
    rule: AssignmentRule, *, actor: User | None, **changes: Any
) -> AssignmentRule:
    require_permission(actor, "tickets.change_assignmentrule")
    return _save_changes(rule, RULE_FIELDS, actor, changes)


@transaction.atomic
def delete_assignment_rule(rule: AssignmentRule, *, actor: User | None) -> None:
    require_permission(actor, "tickets.delete_assignmentrule")
    _delete(rule, RULE_FIELDS, actor)


@transaction.atomic
def save_view(*, actor: User, name: str, query: str, shared: bool = False) -> SavedView:
    """An agent keeps a queue filter under a name (shared ones need a team lead)."""
    require_permission(actor, "tickets.view_ticket")
    if shared:
        require_permission(actor, "tickets.add_cannedresponse")  # team leads and admins
    view, _created = SavedView.objects.update_or_create(
        owner=actor, name=name.strip(), defaults={"query": query.lstrip("?"), "shared": shared}
    )
    view.full_clean(validate_constraints=False)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=view,
        changes={"query": [None, view.query], "shared": [None, shared]},
        internal=True,
    )
    return view


@transaction.atomic
def delete_view(view: SavedView, *, actor: User) -> None:
    if view.owner_id != actor.pk:
        require_permission(actor, "tickets.delete_category")
    _delete(view, VIEW_FIELDS, actor)
