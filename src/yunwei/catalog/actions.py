"""Every change to the service catalogue — the only writers.

Each action runs in one transaction, checks that the actor may do it, and writes the
audit entry. Validation errors carry the field they concern.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service, ServiceStatus
from yunwei.core import audit
from yunwei.core.changes import refuse_unknown
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible

TEXT_FIELDS = ("name_zh", "name_en", "description")  # empty, never null
SERVICE_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "category",
    "owner_team",
    "description",
    "status",
    "organizations",
)


def _full_clean(obj: Any) -> None:
    obj.full_clean(validate_constraints=False)


def _check_visible(actor: User | None, field: str, model: Any, objects: Iterable[Any]) -> None:
    """Related objects the actor cannot see are refused as unknown, never revealed."""
    pks = {obj.pk for obj in objects if obj is not None}
    if actor is None or not pks:
        return
    seen = set(model.objects.visible_to(actor).filter(pk__in=pks).values_list("pk", flat=True))
    missing = sorted(pks - seen)
    if missing:
        raise ValidationError(
            {field: _("Unknown id: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )


@transaction.atomic
def create_service(
    *,
    actor: User | None,
    code: str,
    category: str,
    name_zh: str = "",
    name_en: str = "",
    owner_team: Team | None = None,
    description: str = "",
    status: str = ServiceStatus.LIVE,
    organizations: Iterable[Organization] = (),
) -> Service:
    require_permission(actor, "catalog.add_service")
    organizations = list(organizations)
    _check_visible(actor, "owner_team", Team, [owner_team])
    _check_visible(actor, "organizations", Organization, organizations)
    service = Service(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        category=category,
        owner_team=owner_team,
        description=description,
        status=status,
    )
    _full_clean(service)
    service.save()
    service.organizations.set(organizations)
    audit.record_create(service, SERVICE_FIELDS, actor=actor)
    return service


@transaction.atomic
def update_service(service: Service, *, actor: User | None, **changes: Any) -> Service:
    """Change any of SERVICE_FIELDS (retiring a service is `status="retired"`)."""
    require_permission(actor, "catalog.change_service")
    require_visible(actor, service)
    refuse_unknown(SERVICE_FIELDS, changes)
    service = Service.objects.select_for_update().get(pk=service.pk)
    before = audit.snapshot(service, SERVICE_FIELDS)
    organizations = changes.pop("organizations", None)
    if "owner_team" in changes:
        _check_visible(actor, "owner_team", Team, [changes["owner_team"]])
    if organizations is not None:
        organizations = list(organizations)
        _check_visible(actor, "organizations", Organization, organizations)
    for name, value in changes.items():
        setattr(service, name, "" if value is None and name in TEXT_FIELDS else value)
    _full_clean(service)
    if organizations is not None:
        service.organizations.set(organizations)
    changed = audit.diff(before, audit.snapshot(service, SERVICE_FIELDS))
    if changed:
        fields = [name for name in changed if name != "organizations"]
        service.save(update_fields=[*fields, "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=service, changes=changed)
    return service


@transaction.atomic
def delete_service(service: Service, *, actor: User | None) -> None:
    require_permission(actor, "catalog.delete_service")
    require_visible(actor, service)
    audit.record_delete(service, SERVICE_FIELDS, actor=actor)
    try:
        service.delete()
    except (ProtectedError, RestrictedError) as error:
        # Records that depend on a service (agreements, tickets) protect it; the audit
        # entry above rolls back with this error.
        raise ValidationError(
            _("This service is still in use; retire it instead."), code="protected"
        ) from error
