from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils import timezone
from ninja import Schema

from yunwei.accounts.schemas import Ref, StrictIn
from yunwei.sla import engine

TicketTypeCode = Literal["incident", "request", "problem"]
StateCode = Literal["new", "assigned", "in_progress", "waiting_on_customer", "resolved", "closed"]
LevelCode = Literal["high", "medium", "low"]
PriorityCode = Literal["urgent", "important", "general", "unimportant"]
ChannelCode = Literal["portal", "email", "phone", "api", "web"]
ResolutionCodeValue = Literal[
    "solved", "workaround", "fulfilled", "not_reproducible", "duplicate", "cancelled", "known_error"
]
TransitionTo = Literal[
    "assigned", "in_progress", "waiting_on_customer", "resolved", "closed", "reopened"
]


def _is_staff(context: Any) -> bool:
    request = (context or {}).get("request")
    return bool(request is not None and request.user.is_provider_staff)


def _sees(ticket: Any, context: Any) -> bool:
    """Related tickets shown to a customer's user are their own organization's only."""
    request = (context or {}).get("request")
    user = getattr(request, "user", None)
    if user is None:
        return False
    return user.is_provider_staff or ticket.organization_id == user.organization_id


class TicketRef(Schema):
    id: int
    reference: str
    title: str


class PersonRef(Schema):
    id: int
    name: str


class SlaOut(Schema):
    kind: Literal["response", "resolution"]
    state: str
    due: datetime | None
    breached: bool
    paused: bool
    remaining_minutes: int | None
    target_minutes: int


class SurveyOut(Schema):
    requested_at: datetime
    score: int | None
    comment: str
    answered_at: datetime | None


def sla_summary(ticket: Any) -> list[dict[str, Any]]:
    """The ticket's SLA records as API.md gives them; remaining business minutes count
    down from the target and go negative once breached."""
    now = timezone.now()
    out = []
    for record in sorted(ticket.sla_records.all(), key=lambda r: r.kind, reverse=True):
        remaining = None
        if record.is_open:
            spent = engine.elapsed(record, now).total_seconds() / 60
            remaining = int(record.target_minutes - spent)
        out.append(
            {
                "kind": record.kind,
                "state": record.state,
                "due": record.due_at,
                "breached": record.breached_at is not None or record.state == "breached",
                "paused": record.state == "paused",
                "remaining_minutes": remaining,
                "target_minutes": record.target_minutes,
            }
        )
    return out


class TicketOut(Schema):
    id: int
    reference: str
    type: TicketTypeCode
    title: str
    description: str
    description_html: str
    requester: PersonRef
    organization: Ref
    service: Ref
    category: Ref | None
    impact: LevelCode
    urgency: LevelCode
    priority: PriorityCode
    channel: ChannelCode
    state: StateCode
    team: Ref | None
    assignee: PersonRef | None
    tags: list[str]
    custom_fields: dict[str, Any]
    workaround: str
    known_error: bool
    analysis: str | None
    root_cause: str | None
    resolution_code: str
    resolution_note: str
    problem: TicketRef | None
    parent: TicketRef | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    time_spent_minutes: int | None
    due_at: datetime | None
    sla_breached: bool
    sla: list[SlaOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_requester(obj: Any) -> dict[str, Any]:
        return {"id": obj.requester.id, "name": str(obj.requester)}

    @staticmethod
    def resolve_organization(obj: Any) -> dict[str, Any]:
        return {"id": obj.organization.id, "name": obj.organization.name}

    @staticmethod
    def resolve_service(obj: Any) -> dict[str, Any]:
        return {"id": obj.service.id, "name": str(obj.service.display_name)}

    @staticmethod
    def resolve_category(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.category.id, "name": obj.category.display_name} if obj.category else None

    @staticmethod
    def resolve_team(obj: Any, context: Any) -> dict[str, Any] | None:
        # Teams are the provider's organisation: customers see who, not which team.
        if obj.team is None or not _is_staff(context):
            return None
        return {"id": obj.team.id, "name": obj.team.name}

    @staticmethod
    def resolve_assignee(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.assignee.id, "name": str(obj.assignee)} if obj.assignee else None

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_analysis(obj: Any, context: Any) -> str | None:
        return obj.analysis if _is_staff(context) else None

    @staticmethod
    def resolve_root_cause(obj: Any, context: Any) -> str | None:
        return obj.root_cause if _is_staff(context) else None

    @staticmethod
    def resolve_time_spent_minutes(obj: Any, context: Any) -> int | None:
        return obj.time_spent_minutes if _is_staff(context) else None

    @staticmethod
    def resolve_sla(obj: Any) -> list[dict[str, Any]]:
        return sla_summary(obj)

    @staticmethod
    def resolve_problem(obj: Any, context: Any) -> Any:
        return obj.problem if obj.problem and _sees(obj.problem, context) else None

    @staticmethod
    def resolve_parent(obj: Any, context: Any) -> Any:
        return obj.parent if obj.parent and _sees(obj.parent, context) else None


class LinkOut(Schema):
    id: int
    kind: str
    direction: Literal["outgoing", "incoming"]
    ticket: TicketRef


class TicketDetailOut(TicketOut):
    watchers: list[PersonRef]
    children: list[TicketRef]
    incidents: list[TicketRef]
    links: list[LinkOut]
    survey: SurveyOut | None

    @staticmethod
    def resolve_watchers(obj: Any, context: Any) -> list[dict[str, Any]]:
        staff = _is_staff(context)
        return [
            {"id": user.id, "name": str(user)}
            for user in obj.watchers.all()
            if staff or user.organization_id == obj.organization_id
        ]

    @staticmethod
    def resolve_children(obj: Any, context: Any) -> list[Any]:
        return [t for t in obj.children.all() if _sees(t, context)]

    @staticmethod
    def resolve_incidents(obj: Any, context: Any) -> list[Any]:
        return [t for t in obj.incidents.all() if _sees(t, context)]

    @staticmethod
    def resolve_links(obj: Any, context: Any) -> list[dict[str, Any]]:
        out = [
            {"id": link.id, "kind": link.kind, "direction": "outgoing", "ticket": link.target}
            for link in obj.links_out.all()
            if _sees(link.target, context)
        ]
        out += [
            {"id": link.id, "kind": link.kind, "direction": "incoming", "ticket": link.source}
            for link in obj.links_in.all()
            if _sees(link.source, context)
        ]
        return out

    @staticmethod
    def resolve_survey(obj: Any) -> Any:
        return getattr(obj, "survey", None)


class TicketIn(StrictIn):
    type: TicketTypeCode = "incident"
    title: str
    description: str = ""
    service: int
    requester: int | None = None
    organization: int | None = None
    category: int | None = None
    impact: LevelCode = "medium"
    urgency: LevelCode = "medium"
    priority: PriorityCode | None = None
    channel: ChannelCode | None = None
    team: int | None = None
    assignee: int | None = None
    watchers: list[int] = []
    tags: list[str] = []
    custom_fields: dict[str, Any] = {}


class TicketPatch(StrictIn):
    title: str | None = None
    description: str | None = None
    service: int | None = None
    requester: int | None = None
    category: int | None = None
    impact: LevelCode | None = None
    urgency: LevelCode | None = None
    priority: PriorityCode | None = None
    team: int | None = None
    assignee: int | None = None
    watchers: list[int] | None = None
    tags: list[str] | None = None
    custom_fields: dict[str, Any] | None = None
    analysis: str | None = None
    root_cause: str | None = None
    workaround: str | None = None
    known_error: bool | None = None
    problem: int | None = None
    parent: int | None = None


class TransitionIn(StrictIn):
    to: TransitionTo
    assignee: int | None = None
    team: int | None = None
    resolution: ResolutionCodeValue | None = None
    note: str = ""
    resolve_incidents: bool = False


class BulkIn(StrictIn):
    ids: list[int]
    to: TransitionTo | None = None
    assignee: int | None = None
    team: int | None = None
    priority: PriorityCode | None = None
    tags: list[str] | None = None
    resolution: ResolutionCodeValue | None = None
    note: str | None = None


class CommentIn(StrictIn):
    body: str
    public: bool = True
    time_spent_minutes: int = 0


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    public: bool
    comment: int | None
    url: str
    created_at: datetime

    @staticmethod
    def resolve_comment(obj: Any) -> int | None:
        return obj.comment_id

    @staticmethod
    def resolve_url(obj: Any) -> str:
        from django.urls import reverse

        return reverse("api:download_attachment", args=[obj.ticket_id, obj.pk])


class CommentOut(Schema):
    id: int
    author: PersonRef | None
    body: str
    body_html: str
    public: bool
    time_spent_minutes: int | None
    channel: ChannelCode
    mentions: list[PersonRef]
    attachments: list[AttachmentOut]
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.author.id, "name": str(obj.author)} if obj.author else None

    @staticmethod
    def resolve_time_spent_minutes(obj: Any, context: Any) -> int | None:
        return obj.time_spent_minutes if _is_staff(context) else None

    @staticmethod
    def resolve_mentions(obj: Any) -> list[dict[str, Any]]:
        return [{"id": user.id, "name": str(user)} for user in obj.mentions.all()]

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class LinkIn(StrictIn):
    target: int
    kind: Literal["duplicate_of", "related"]


class SurveyIn(StrictIn):
    score: int
    comment: str = ""


class CategoryIn(StrictIn):
    parent: int | None = None
    name_zh: str = ""
    name_en: str = ""
    ticket_types: list[TicketTypeCode] = []
    fields: list[dict[str, Any]] = []
    services: list[int] = []
    is_active: bool = True


class CategoryPatch(StrictIn):
    parent: int | None = None
    name_zh: str | None = None
    name_en: str | None = None
    ticket_types: list[TicketTypeCode] | None = None
    fields: list[dict[str, Any]] | None = None
    services: list[int] | None = None
    is_active: bool | None = None
