"""/tickets and their conversation, attachments, links and surveys — thin: parse,
scope, call an action. Customers' users use the same endpoints and see their own
organization's tickets and public comments only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service
from yunwei.core.api import AuditPage
from yunwei.core.api_support import (
    ListParams,
    changes_of,
    get_visible,
    order,
    paginate,
    visible_ref,
    visible_refs,
)
from yunwei.core.permissions import require_permission, require_read
from yunwei.tickets import actions, search
from yunwei.tickets.models import (
    CannedResponse,
    Category,
    Comment,
    Ticket,
    TicketLink,
)
from yunwei.tickets.schemas import (
    AttachmentOut,
    BulkIn,
    CategoryIn,
    CategoryPatch,
    ChannelCode,
    CommentIn,
    CommentOut,
    LevelCode,
    LinkIn,
    LinkOut,
    PriorityCode,
    StateCode,
    SurveyIn,
    SurveyOut,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    TicketPatch,
    TicketTypeCode,
    TransitionIn,
)

router = Router(tags=["tickets"])

PRIORITY_RANK = Case(
    When(priority="urgent", then=Value(4)),
    When(priority="important", then=Value(3)),
    When(priority="general", then=Value(2)),
    default=Value(1),
    output_field=IntegerField(),
)
ORDERINGS = ["due_at", "priority", "created_at", "updated_at", "reference", "state"]


def order_tickets(qs: Any, ordering: str) -> Any:
    """`?ordering=` over ORDERINGS; priority sorts by rank (urgent highest), due time
    puts tickets without a running clock last."""
    from django.db.models import F

    keys = [key.strip() for key in (ordering or "-created_at").split(",") if key.strip()]
    qs = order(qs, ",".join(keys), ORDERINGS, "-created_at")  # validates the keys
    expressions = []
    for key in keys:
        descending, name = key.startswith("-"), key.lstrip("-")
        field = F("priority_rank" if name == "priority" else name)
        if name == "due_at":
            expressions.append(
                field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
            )
        else:
            expressions.append(field.desc() if descending else field.asc())
    return qs.annotate(priority_rank=PRIORITY_RANK).order_by(*expressions, "-pk")


class TicketPage(Schema):
    count: int
    # True when a search (`q`) matched more than `count` tickets: counting stops there.
    count_capped: bool = False
    items: list[TicketOut]


class CommentPage(Schema):
    count: int
    items: list[CommentOut]


class TicketFilters(ListParams):
    type: TicketTypeCode | None = None
    state: list[StateCode] | None = None
    open: bool | None = None
    priority: list[PriorityCode] | None = None
    impact: LevelCode | None = None
    urgency: LevelCode | None = None
    channel: ChannelCode | None = None
    service: int | None = None
    organization: int | None = None
    requester: int | None = None
    category: int | None = None
    team: int | None = None
    assignee: int | None = None
    unassigned: bool | None = None
    tag: str | None = None
    breached: bool | None = None
    due_before: datetime | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    problem: int | None = None
    known_error: bool | None = None
    q: str | None = None


def filter_tickets(qs: Any, f: TicketFilters, user: Any) -> Any:
    """Every list filter, shared by the API and the queue page."""
    exact = {
        "type": f.type,
        "impact": f.impact,
        "urgency": f.urgency,
        "channel": f.channel,
        "service_id": f.service,
        "organization_id": f.organization,
        "requester_id": f.requester,
        "category_id": f.category,
        "problem_id": f.problem,
        "known_error": f.known_error,
        "sla_breached": f.breached,
    }
    qs = qs.filter(**{key: value for key, value in exact.items() if value is not None})
    if f.state:
        qs = qs.filter(state__in=f.state)
    if f.open is not None:
        qs = qs.open() if f.open else qs.exclude(pk__in=Ticket.objects.open().values("pk"))
    if f.priority:
        qs = qs.filter(priority__in=f.priority)
    if f.tag:
        qs = qs.filter(tags__name=f.tag)
    if f.due_before:
        qs = qs.filter(due_at__lt=f.due_before)
    if f.created_after:
        qs = qs.filter(created_at__gte=f.created_after)
    if f.created_before:
        qs = qs.filter(created_at__lt=f.created_before)
    if f.unassigned is not None:
        qs = qs.filter(assignee__isnull=f.unassigned)
    # Teams and agents are the provider's: for a customer such filters match nothing
    # rather than tell them anything.
    if user.is_provider_staff:
        if f.team is not None:
            qs = qs.filter(team_id=f.team)
        if f.assignee is not None:
            qs = qs.filter(assignee_id=f.assignee)
    elif f.team is not None:
        qs = qs.none()
    elif f.assignee is not None:
        qs = qs.filter(assignee_id=f.assignee)
    return qs


def _staff_only(user: Any, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    if user.is_provider_staff:
        return
    given = [name for name in fields if data.get(name) is not None]
    if given:
        raise ValidationError({name: _("Only the service desk sets this.") for name in given})


def _arguments(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in a request body to the objects the user may see."""
    user = request.user
    resolvers = {
        "service": (Service, "service"),
        "requester": (User, "requester"),
        "organization": (Organization, "organization"),
        "category": (Category, "category"),
        "team": (Team, "team"),
        "assignee": (User, "assignee"),
        "problem": (Ticket, "problem"),
        "parent": (Ticket, "parent"),
    }
    for name, (model, field) in resolvers.items():
        if name in data:
            data[name] = visible_ref(model, user, data[name], field)
    if data.get("watchers") is not None:
        data["watchers"] = visible_refs(User, user, data["watchers"], "watchers")
    return data


def _detail(request: HttpRequest, ticket_id: int) -> Ticket:
    return get_visible(Ticket.objects.for_detail(), request.user, ticket_id)


@router.get("/tickets", response=TicketPage)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    require_read(request.user, "tickets.view_ticket")
    qs = filter_tickets(Ticket.objects.visible_to(request.user), filters, request.user)
    if filters.q:
        qs = search.search(qs, filters.q, user=request.user)
        if not filters.ordering:
            return _capped(paginate(qs.for_list(), filters), qs.count_limit)
        return _capped(
            paginate(order_tickets(qs.for_list(), filters.ordering), filters), qs.count_limit
        )
    qs = order_tickets(qs.for_list(), filters.ordering)
    return paginate(qs, filters)


def _capped(page: dict[str, Any], limit: int | None) -> dict[str, Any]:
    """A search's page whose count stopped past `limit` says so."""
    if limit is not None and page["count"] > limit:
        page.update(count=limit, count_capped=True)
    return page


@router.get("/tickets/export", response=None)
def export_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    """The filtered queue as CSV (UTF-8 with BOM), every matching row."""
    from django.http import StreamingHttpResponse

    from yunwei.tickets import export

    require_read(request.user, "tickets.view_ticket")
    qs = filter_tickets(Ticket.objects.visible_to(request.user), filters, request.user)
    if filters.q:
        qs = search.search(qs, filters.q, user=request.user)
    else:
        qs = order_tickets(qs, filters.ordering)
    response = StreamingHttpResponse(
        export.rows(qs, request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    return response


@router.post("/tickets", response={201: TicketDetailOut})
def create_ticket(request: HttpRequest, payload: TicketIn) -> Any:
    require_permission(request.user, "tickets.add_ticket")
    data = payload.dict(exclude_unset=True)
    _staff_only(request.user, data, ("priority", "team", "assignee", "channel"))
    data = _arguments(request, data)
    data["channel"] = data.get("channel") or "api"  # agents may say "phone"
    ticket = actions.create_ticket(actor=request.user, **data)
    return Status(201, _detail(request, ticket.pk))


@router.get("/tickets/{int:ticket_id}", response=TicketDetailOut)
def get_ticket(request: HttpRequest, ticket_id: int) -> Any:
    require_read(request.user, "tickets.view_ticket")
    return _detail(request, ticket_id)


@router.patch("/tickets/{int:ticket_id}", response=TicketDetailOut)
def update_ticket(request: HttpRequest, ticket_id: int, payload: TicketPatch) -> Any:
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    require_permission(request.user, "tickets.change_ticket")
    nullable = ("category", "team", "assignee", "problem", "parent")
    data = _arguments(request, changes_of(payload, nullable=nullable))
    actions.update_ticket(ticket, actor=request.user, **data)
    return _detail(request, ticket.pk)


@router.post("/tickets/{int:ticket_id}/transition", response=TicketDetailOut)
def transition_ticket(request: HttpRequest, ticket_id: int, payload: TransitionIn) -> Any:
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    data = payload.dict()
    _staff_only(request.user, data, ("assignee", "team"))
    data = _arguments(request, data)
    data["resolution"] = data.get("resolution") or ""
    actions.transition_ticket(ticket, actor=request.user, **data)
    return _detail(request, ticket.pk)


@router.post("/tickets/bulk", response={200: dict[str, int]})
def bulk_update(request: HttpRequest, payload: BulkIn) -> Any:
    """One change to many tickets, all or none."""
    require_permission(request.user, "tickets.change_ticket")
    if not request.user.is_provider_staff:
        raise PermissionDenied(_("You are not allowed to do this."))
    if not payload.ids or len(payload.ids) > 500:
        raise ValidationError({"ids": _("Give between 1 and 500 ticket ids.")})
    tickets = visible_refs(Ticket, request.user, payload.ids, "ids")
    data = payload.dict(exclude_unset=True, exclude={"ids"})
    to = data.pop("to", None)
    data = _arguments(request, data)
    count = actions.bulk_update(
        sorted(tickets, key=lambda t: t.pk), actor=request.user, to=to, **data
    )
    return {"updated": count}


# --- conversation -------------------------------------------------------------------


@router.get("/tickets/{int:ticket_id}/comments", response=CommentPage)
def list_comments(request: HttpRequest, ticket_id: int, params: Query[ListParams]) -> Any:
    require_read(request.user, "tickets.view_comment")
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    qs = Comment.objects.visible_to(request.user).filter(ticket=ticket).for_list(request.user)
    return paginate(order(qs, params.ordering, ["created_at"], "created_at"), params)


@router.post("/tickets/{int:ticket_id}/comments", response={201: CommentOut})
def add_comment(request: HttpRequest, ticket_id: int, payload: CommentIn) -> Any:
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    comment = actions.add_comment(
        ticket,
        actor=request.user,
        body=payload.body,
        public=payload.public,
        time_spent_minutes=payload.time_spent_minutes,
        channel="api",
    )
    return Status(201, Comment.objects.for_list(request.user).get(pk=comment.pk))


@router.get("/tickets/{int:ticket_id}/attachments", response=list[AttachmentOut])
def list_attachments(request: HttpRequest, ticket_id: int) -> Any:
    require_read(request.user, "tickets.view_ticket")
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    qs = ticket.attachments.all()
    if not request.user.is_provider_staff:
        qs = qs.filter(public=True)
    return list(qs)


class AttachmentForm(Schema):
    comment: int | None = None
    public: bool = True


@router.post("/tickets/{int:ticket_id}/attachments", response={201: AttachmentOut})
def add_attachment(
    request: HttpRequest,
    ticket_id: int,
    file: File[UploadedFile],
    form: Form[AttachmentForm],
) -> Any:
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    comment = None
    if form.comment is not None:
        comment = Comment.objects.visible_to(request.user).filter(pk=form.comment).first()
        if comment is None:
            raise ValidationError({"comment": _("Unknown id: %(ids)s.") % {"ids": form.comment}})
    try:
        attachment = actions.add_attachment(
            ticket,
            actor=request.user,
            name=file.name or "",
            stream=file,
            comment=comment,
            public=form.public,
        )
    except ValidationError as error:
        codes = [e.code for errors in getattr(error, "error_dict", {}).values() for e in errors]
        if "too_large" in codes:
            raise HttpError(413, error.messages[0]) from error
        raise
    return Status(201, attachment)


@router.get("/tickets/{int:ticket_id}/attachments/{int:attachment_id}/content", response=None)
def download_attachment(request: HttpRequest, ticket_id: int, attachment_id: int) -> Any:
    """The file itself, to those who may see the ticket (and, for a file of an internal
    note, to the provider's staff only)."""
    require_read(request.user, "tickets.view_ticket")
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    return attachment_response(request.user, ticket, attachment_id)


def attachment_response(user: Any, ticket: Ticket, attachment_id: int) -> FileResponse:
    attachment = ticket.attachments.filter(pk=attachment_id).first()
    if attachment is None or (not attachment.public and not user.is_provider_staff):
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get("/tickets/{int:ticket_id}/history", response=AuditPage)
def ticket_history(request: HttpRequest, ticket_id: int, params: Query[ListParams]) -> Any:
    """The ticket's audit entries (and its comments', files' and SLA records'), newest
    first, as far as the caller may read them."""
    from yunwei.tickets import history

    require_read(request.user, "tickets.view_ticket")
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    return paginate(history.for_ticket(ticket, request.user), params)


# --- links and surveys --------------------------------------------------------------


@router.post("/tickets/{int:ticket_id}/links", response={201: LinkOut})
def add_link(request: HttpRequest, ticket_id: int, payload: LinkIn) -> Any:
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    target = visible_ref(Ticket, request.user, payload.target, "target")
    link = actions.link_tickets(ticket, target, actor=request.user, kind=payload.kind)
    return Status(
        201, {"id": link.pk, "kind": link.kind, "direction": "outgoing", "ticket": target}
    )


@router.delete("/tickets/{int:ticket_id}/links/{int:link_id}", response={204: None})
def delete_link(request: HttpRequest, ticket_id: int, link_id: int) -> Any:
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    link = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket), pk=link_id).first()
    if link is None:
        raise Http404
    actions.unlink_tickets(link, actor=request.user)
    return Status(204, None)


@router.post("/tickets/{int:ticket_id}/survey", response=SurveyOut)
def answer_survey(request: HttpRequest, ticket_id: int, payload: SurveyIn) -> Any:
    ticket = get_visible(Ticket.objects, request.user, ticket_id)
    return actions.answer_survey(
        ticket, actor=request.user, score=payload.score, comment=payload.comment
    )


# --- reference data -----------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    parent: int | None
    name: str
    name_zh: str
    name_en: str
    ticket_types: list[str]
    fields: list[dict[str, Any]]
    services: list[int]
    is_active: bool

    @staticmethod
    def resolve_parent(obj: Any) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.display_name

    @staticmethod
    def resolve_services(obj: Any) -> list[int]:
        return sorted(service.pk for service in obj.visible_services)


class CategoryFilters(Schema):
    service: int | None = None


class CannedOut(Schema):
    id: int
    title: str
    body: str


def _categories(user: Any) -> Any:
    """The categories `user` may see, each with the services it is offered for as far
    as the user sees them (`visible_services`). A customer's user does not see those
    offered only for other organizations' services: empty `services` means every
    service, which must stay true for them."""
    services = Service.objects.visible_to(user)
    categories = Category.objects.visible_to(user).prefetch_related(
        Prefetch("services", queryset=services.only("pk"), to_attr="visible_services")
    )
    if not user.is_provider_staff:
        categories = categories.filter(Category.offered_for(services))
    return categories


def _category_arguments(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("parent") is not None:
        data["parent"] = visible_ref(
            Category, user, data["parent"], "parent", _("Unknown category: %(ids)s.")
        )
    if "services" in data:
        data["services"] = visible_refs(
            Service, user, data["services"], "services", _("Unknown service: %(ids)s.")
        )
    return data


@router.get("/ticket-categories", response=list[CategoryOut])
def list_categories(request: HttpRequest, filters: Query[CategoryFilters]) -> Any:
    """The active categories; `service=` keeps those offered for that service's tickets."""
    categories = _categories(request.user).active()
    if filters.service is not None:
        # Only a service the user sees counts: another organization's gives the
        # categories offered for every service, telling nothing about that one.
        service = Service.objects.visible_to(request.user).filter(pk=filters.service)
        categories = categories.filter(Category.offered_for(service.values("pk")))
    return list(categories)


@router.post("/ticket-categories", response={201: CategoryOut})
def create_category(request: HttpRequest, payload: CategoryIn) -> Any:
    require_permission(request.user, "tickets.add_category")
    data = _category_arguments(request.user, payload.dict())
    category = actions.create_category(actor=request.user, **data)
    return Status(201, _categories(request.user).get(pk=category.pk))


@router.get("/ticket-categories/{int:category_id}", response=CategoryOut)
def get_category(request: HttpRequest, category_id: int) -> Any:
    return get_visible(_categories(request.user), request.user, category_id)


@router.patch("/ticket-categories/{int:category_id}", response=CategoryOut)
def update_category(request: HttpRequest, category_id: int, payload: CategoryPatch) -> Any:
    category = get_visible(_categories(request.user), request.user, category_id)
    require_permission(request.user, "tickets.change_category")
    changes = _category_arguments(request.user, changes_of(payload, nullable=("parent",)))
    actions.update_category(category, actor=request.user, **changes)
    return _categories(request.user).get(pk=category.pk)


@router.get("/canned-responses", response=list[CannedOut])
def list_canned_responses(request: HttpRequest) -> Any:
    require_permission(request.user, "tickets.view_cannedresponse")
    return list(CannedResponse.objects.visible_to(request.user))
