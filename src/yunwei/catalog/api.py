"""/services — thin: parse, scope, call an action."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from yunwei.accounts.models import Organization, Team
from yunwei.catalog import actions
from yunwei.catalog.models import Service
from yunwei.catalog.querysets import prefers_chinese
from yunwei.catalog.schemas import Category, ServiceIn, ServiceOut, ServicePatch
from yunwei.catalog.schemas import Status as ServiceStatusCode
from yunwei.core.api_support import (
    ListParams,
    get_visible,
    order,
    paginate,
    visible_ref,
    visible_refs,
)
from yunwei.core.permissions import require_permission, require_read

router = Router(tags=["catalog"])


class ServicePage(Schema):
    count: int
    items: list[ServiceOut]


class ServiceFilters(ListParams):
    category: Category | None = None
    status: ServiceStatusCode | None = None
    owner_team: int | None = None
    organization: int | None = None
    q: str | None = None


def _organizations(user: Any, pks: list[int] | None) -> list[Organization]:
    if pks is None:
        raise ValidationError({"organizations": _("Give a list, empty for none.")})
    return visible_refs(
        Organization, user, pks, "organizations", _("Unknown organization: %(ids)s.")
    )


def _arguments(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Ids to objects; `name` is the name in the request's language unless that one is
    given explicitly."""
    if "name" in data:
        name = data.pop("name")
        data.setdefault("name_zh" if prefers_chinese() else "name_en", name or "")
    if "owner_team" in data:
        data["owner_team"] = visible_ref(
            Team, request.user, data["owner_team"], "owner_team", _("Unknown team: %(ids)s.")
        )
    if "organizations" in data:
        data["organizations"] = _organizations(request.user, data["organizations"])
    return data


@router.get("/services", response=ServicePage)
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> Any:
    require_read(request.user, "catalog.view_service")
    qs = Service.objects.visible_to(request.user).for_list()
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner_team:
        qs = qs.filter(owner_team_id=filters.owner_team)
    if filters.organization:
        qs = qs.filter(organizations__id=filters.organization)
    # Customers see neither the provider's teams nor the other subscribers: such filters
    # must not tell them anything.
    if not request.user.is_provider_staff and (
        filters.owner_team or filters.organization not in (None, request.user.organization_id)
    ):
        qs = qs.none()
    if filters.q:
        qs = qs.filter(
            Q(code__icontains=filters.q)
            | Q(name_zh__icontains=filters.q)
            | Q(name_en__icontains=filters.q)
        )
    qs = order(qs, filters.ordering, ["code", "name_zh", "name_en", "created_at"], "code")
    return paginate(qs.distinct(), filters)


@router.post("/services", response={201: ServiceOut})
def create_service(request: HttpRequest, payload: ServiceIn) -> Any:
    require_permission(request.user, "catalog.add_service")
    data = _arguments(request, payload.dict(exclude_unset=True))
    service = actions.create_service(actor=request.user, **data)
    return Status(201, Service.objects.for_list().get(pk=service.pk))


@router.get("/services/{int:service_id}", response=ServiceOut)
def get_service(request: HttpRequest, service_id: int) -> Any:
    require_read(request.user, "catalog.view_service")
    return get_visible(Service.objects.for_list(), request.user, service_id)


@router.patch("/services/{int:service_id}", response=ServiceOut)
def update_service(request: HttpRequest, service_id: int, payload: ServicePatch) -> Any:
    service = get_visible(Service.objects, request.user, service_id)
    require_permission(request.user, "catalog.change_service")
    data = _arguments(request, payload.dict(exclude_unset=True))
    actions.update_service(service, actor=request.user, **data)
    return Service.objects.for_list().get(pk=service.pk)


@router.delete("/services/{int:service_id}", response={204: None})
def delete_service(request: HttpRequest, service_id: int) -> Any:
    service = get_visible(Service.objects, request.user, service_id)
    actions.delete_service(service, actor=request.user)
    return Status(204, None)
