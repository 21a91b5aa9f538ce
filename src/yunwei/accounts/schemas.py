from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict

RoleCodeLiteral = Literal[
    "requester",
    "agent",
    "team_lead",
    "change_manager",
    "cab_member",
    "project_manager",
    "security_officer",
    "quality_manager",
    "hr_manager",
    "auditor",
    "admin",
]
Kind = Literal["customer", "provider"]
Language = Literal["zh-hans", "en"]


class StrictIn(Schema):
    """Request bodies reject fields they do not know, naming them."""

    model_config = ConfigDict(extra="forbid")


class Ref(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str
    email: str


class OrganizationOut(Schema):
    id: int
    name: str
    code: str
    kind: Kind
    is_active: bool
    created_at: datetime


class OrganizationIn(StrictIn):
    name: str
    code: str
    kind: Kind = "customer"
    is_active: bool = True


class OrganizationPatch(StrictIn):
    name: str | None = None
    code: str | None = None
    kind: Kind | None = None
    is_active: bool | None = None


class UserOut(Schema):
    id: int
    email: str
    name: str
    organization: Ref
    roles: list[str]
    teams: list[Ref]
    phone: str
    language: str
    timezone: str
    is_active: bool
    is_organization_admin: bool
    date_joined: datetime
    last_login: datetime | None

    @staticmethod
    def resolve_roles(obj: object) -> list[str]:
        return sorted(g.role.code for g in obj.groups.all() if hasattr(g, "role"))  # type: ignore[attr-defined]

    @staticmethod
    def resolve_teams(obj: object) -> list[dict[str, object]]:
        return [{"id": t.id, "name": t.name} for t in obj.teams.all()]  # type: ignore[attr-defined]


class MeOut(UserOut):
    is_provider_staff: bool
    is_superuser: bool
    permissions: list[str]

    @staticmethod
    def resolve_permissions(obj: object) -> list[str]:
        return sorted(obj.get_all_permissions())  # type: ignore[attr-defined]


class UserIn(StrictIn):
    email: str
    name: str = ""
    organization: int
    roles: list[RoleCodeLiteral] = []
    password: str | None = None
    phone: str = ""
    language: Language | None = None
    timezone: str | None = None
    is_active: bool = True
    is_organization_admin: bool = False


class UserPatch(StrictIn):
    email: str | None = None
    name: str | None = None
    organization: int | None = None
    roles: list[RoleCodeLiteral] | None = None
    password: str | None = None
    phone: str | None = None
    language: Language | None = None
    timezone: str | None = None
    is_active: bool | None = None
    is_organization_admin: bool | None = None


class TeamOut(Schema):
    id: int
    name: str
    description: str
    email: str
    lead: UserRef | None
    members: list[UserRef]


class TeamIn(StrictIn):
    name: str
    description: str = ""
    email: str = ""
    lead: int | None = None
    members: list[int] = []


class TeamPatch(StrictIn):
    name: str | None = None
    description: str | None = None
    email: str | None = None
    lead: int | None = None
    members: list[int] | None = None


class RoleOut(Schema):
    code: str
    label: str
    require_two_factor: bool
