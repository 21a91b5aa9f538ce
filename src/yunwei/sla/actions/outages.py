"""Service outages, the source of availability figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yunwei.core import audit
from yunwei.core.changes import apply_changes
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.sla.models import (
    Outage,
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
