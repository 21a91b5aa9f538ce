"""/audit (read-only history) and /health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from yunwei.core.api_support import ListParams, get_visible, order, paginate
from yunwei.core.models import AuditEntry
from yunwei.core.permissions import require_read

router = Router(tags=["audit"])
health_router = Router(tags=["health"])


class ActorOut(Schema):
    id: int | None
    label: str


class AuditOut(Schema):
    id: int
    created_at: datetime
    actor: ActorOut | None
    object_type: str
    object_id: str
    object_repr: str
    organization_id: int | None
    action: str
    changes: dict[str, Any]
    source: str
    request_id: str
    sealed: bool

    @staticmethod
    def resolve_actor(obj: AuditEntry) -> dict[str, Any] | None:
        if obj.actor_id is None and not obj.actor_label:
            return None
        return {"id": obj.actor_id, "label": obj.actor_label}

    @staticmethod
    def resolve_sealed(obj: AuditEntry) -> bool:
        return obj.seq is not None


class AuditPage(Schema):
    count: int
    items: list[AuditOut]


class AuditFilters(ListParams):
    object_type: str | None = None
    object_id: str | None = None
    actor: int | None = None
    action: str | None = None
    source: str | None = None
    organization: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@router.get("/audit", response=AuditPage, summary="Audit trail (read-only)")
def list_audit(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    require_read(request.user, "core.view_auditentry")
    qs = AuditEntry.objects.visible_to(request.user)
    exact = {
        "object_type": filters.object_type,
        "object_id": filters.object_id,
        "actor_id": filters.actor,
        "action": filters.action,
        "source": filters.source,
        "organization_id": filters.organization,
        "created_at__gte": filters.created_after,
        "created_at__lt": filters.created_before,
    }
    qs = qs.filter(**{key: value for key, value in exact.items() if value is not None})
    qs = order(qs, filters.ordering, ["id", "created_at"], "-id")
    return paginate(qs, filters)


@router.get("/audit/{int:entry_id}", response=AuditOut)
def get_audit_entry(request: HttpRequest, entry_id: int) -> Any:
    require_read(request.user, "core.view_auditentry")
    return get_visible(AuditEntry.objects, request.user, entry_id)


@health_router.get("/health", auth=None, response={200: dict, 503: dict})
def health(request: HttpRequest) -> Any:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # any failure here means "not healthy", reported, not raised
        database = "unavailable"
    body = {"status": "ok" if database == "ok" else "error", "database": database}
    return Status(200 if database == "ok" else 503, body)
