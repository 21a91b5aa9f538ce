"""/me, /organizations, /users, /teams, /roles — thin: parse, scope, call an action."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from yunwei.accounts import actions
from yunwei.accounts.models import Organization, Role, Team, User
from yunwei.accounts.schemas import (
    MeOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    RoleOut,
    TeamIn,
    TeamOut,
    TeamPatch,
    UserIn,
    UserOut,
    UserPatch,
)
from yunwei.core.api_support import (
    ListParams,
    changes_of,
    get_visible,
    order,
    paginate,
    visible_ref,
    visible_refs,
)
from yunwei.core.permissions import require_read

router = Router(tags=["accounts"])


class Page(Schema):
    count: int


class OrganizationPage(Page):
    items: list[OrganizationOut]


class UserPage(Page):
    items: list[UserOut]


class TeamPage(Page):
    items: list[TeamOut]


# --- me --------------------------------------------------------------------------------


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest) -> Any:
    return User.objects.for_list().get(pk=request.user.pk)


# --- organizations ---------------------------------------------------------------------


class OrganizationFilters(ListParams):
    kind: str | None = None
    is_active: bool | None = None
    q: str | None = None


@router.get("/organizations", response=OrganizationPage)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]) -> Any:
    require_read(request.user, "accounts.view_organization")
    qs = Organization.objects.visible_to(request.user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    qs = order(qs, filters.ordering, ["name", "code", "kind", "created_at"], "name")
    return paginate(qs, filters)


@router.post("/organizations", response={201: OrganizationOut})
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Any:
    return Status(201, actions.create_organization(actor=request.user, **payload.dict()))


@router.get("/organizations/{int:org_id}", response=OrganizationOut)
def get_organization(request: HttpRequest, org_id: int) -> Any:
    require_read(request.user, "accounts.view_organization")
    return get_visible(Organization.objects, request.user, org_id)


@router.patch("/organizations/{int:org_id}", response=OrganizationOut)
def update_organization(request: HttpRequest, org_id: int, payload: OrganizationPatch) -> Any:
    org = get_visible(Organization.objects, request.user, org_id)
    return actions.update_organization(org, actor=request.user, **changes_of(payload))


@router.delete("/organizations/{int:org_id}", response={204: None})
def delete_organization(request: HttpRequest, org_id: int) -> Any:
    org = get_visible(Organization.objects, request.user, org_id)
    actions.delete_organization(org, actor=request.user)
    return Status(204, None)


# --- users -----------------------------------------------------------------------------


class UserFilters(ListParams):
    organization: int | None = None
    role: str | None = None
    team: int | None = None
    is_active: bool | None = None
    q: str | None = None


@router.get("/users", response=UserPage)
def list_users(request: HttpRequest, filters: Query[UserFilters]) -> Any:
    require_read(request.user, "accounts.view_user")
    qs = User.objects.visible_to(request.user).for_list()
    if filters.organization:
        qs = qs.filter(organization_id=filters.organization)
    if filters.role:
        qs = qs.filter(groups__role__code=filters.role)
    if filters.team:
        qs = qs.filter(teams__id=filters.team)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    if filters.q:
        qs = qs.filter(Q(email__icontains=filters.q) | Q(name__icontains=filters.q))
    qs = order(qs, filters.ordering, ["email", "name", "date_joined", "last_login"], "email")
    return paginate(qs.distinct(), filters)


@router.post("/users", response={201: UserOut})
def create_user(request: HttpRequest, payload: UserIn) -> Any:
    data = payload.dict()
    data["organization"] = visible_ref(
        Organization,
        request.user,
        data["organization"],
        "organization",
        _("Unknown organization."),
    )
    user = actions.create_user(actor=request.user, **data)
    return Status(201, User.objects.for_list().get(pk=user.pk))


@router.get("/users/{int:user_id}", response=UserOut)
def get_user(request: HttpRequest, user_id: int) -> Any:
    require_read(request.user, "accounts.view_user")
    return get_visible(User.objects.for_list(), request.user, user_id)


@router.patch("/users/{int:user_id}", response=UserOut)
def update_user(request: HttpRequest, user_id: int, payload: UserPatch) -> Any:
    target = get_visible(User.objects, request.user, user_id)
    data = changes_of(payload)
    if "organization" in data:
        data["organization"] = visible_ref(
            Organization,
            request.user,
            data["organization"],
            "organization",
            _("Unknown organization."),
        )
    actions.update_user(target, actor=request.user, **data)
    return User.objects.for_list().get(pk=target.pk)


# --- teams -----------------------------------------------------------------------------


class TeamFilters(ListParams):
    member: int | None = None
    q: str | None = None


@router.get("/teams", response=TeamPage)
def list_teams(request: HttpRequest, filters: Query[TeamFilters]) -> Any:
    qs = Team.objects.visible_to(request.user).for_list()
    if filters.member:
        qs = qs.filter(members__id=filters.member)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    qs = order(qs, filters.ordering, ["name", "created_at"], "name")
    return paginate(qs.distinct(), filters)


def _team_people(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("lead") is not None:
        data["lead"] = visible_refs(
            User, request.user, [data["lead"]], "lead", _("Unknown user: %(ids)s.")
        )[0]
    if data.get("members") is not None:
        data["members"] = visible_refs(
            User, request.user, data["members"], "members", _("Unknown user: %(ids)s.")
        )
    return data


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamIn) -> Any:
    team = actions.create_team(actor=request.user, **_team_people(request, payload.dict()))
    return Status(201, Team.objects.for_list().get(pk=team.pk))


@router.get("/teams/{int:team_id}", response=TeamOut)
def get_team(request: HttpRequest, team_id: int) -> Any:
    return get_visible(Team.objects.for_list(), request.user, team_id)


@router.patch("/teams/{int:team_id}", response=TeamOut)
def update_team(request: HttpRequest, team_id: int, payload: TeamPatch) -> Any:
    team = get_visible(Team.objects, request.user, team_id)
    actions.update_team(
        team, actor=request.user, **_team_people(request, changes_of(payload, nullable=["lead"]))
    )
    return Team.objects.for_list().get(pk=team.pk)


@router.delete("/teams/{int:team_id}", response={204: None})
def delete_team(request: HttpRequest, team_id: int) -> HttpResponse | Any:
    team = get_visible(Team.objects, request.user, team_id)
    actions.delete_team(team, actor=request.user)
    return Status(204, None)


# --- roles -----------------------------------------------------------------------------


@router.get("/roles", response=list[RoleOut])
def list_roles(request: HttpRequest) -> Any:
    return list(Role.objects.visible_to(request.user))
