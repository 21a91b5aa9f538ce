from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema

from yunwei.accounts.schemas import Ref, StrictIn

Category = Literal[
    "software_development",
    "system_integration",
    "data_management",
    "network",
    "security",
    "cloud",
    "operations",
    "consulting",
    "other",
]
Status = Literal["pipeline", "live", "retired"]


def _is_staff(context: Any) -> bool:
    request = (context or {}).get("request")
    return bool(request is not None and request.user.is_provider_staff)


class ServiceOut(Schema):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    category: Category
    owner_team: Ref | None
    status: Status
    organizations: list[Ref]
    description: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.display_name)

    @staticmethod
    def resolve_owner_team(obj: Any, context: Any) -> dict[str, Any] | None:
        # Teams are the provider's; customers' users see none of them.
        if obj.owner_team is None or not _is_staff(context):
            return None
        return {"id": obj.owner_team.id, "name": obj.owner_team.name}

    @staticmethod
    def resolve_organizations(obj: Any, context: Any) -> list[dict[str, Any]]:
        # A customer's user never learns which other customers subscribe.
        staff = _is_staff(context)
        request = (context or {}).get("request")
        own = getattr(getattr(request, "user", None), "organization_id", None)
        return [
            {"id": org.id, "name": org.name}
            for org in sorted(obj.organizations.all(), key=lambda org: org.name)
            if staff or org.id == own
        ]


class ServiceIn(StrictIn):
    code: str
    name: str | None = None
    name_zh: str = ""
    name_en: str = ""
    category: Category
    owner_team: int | None = None
    status: Status = "live"
    organizations: list[int] = []
    description: str = ""


class ServicePatch(StrictIn):
    code: str | None = None
    name: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    category: Category | None = None
    owner_team: int | None = None
    status: Status | None = None
    organizations: list[int] | None = None
    description: str | None = None
