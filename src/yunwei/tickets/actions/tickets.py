"""Raising, editing and moving tickets through their lifecycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service
from yunwei.core import audit
from yunwei.core.changes import StateConflict
from yunwei.core.events import EventName
from yunwei.core.markup import render_markdown
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.sla.models import Priority
from yunwei.tickets import assignment, custom_fields, events, search, sla_link, workflow
from yunwei.tickets.models import (
    REFERENCE_PREFIX,
    Category,
    Channel,
    Level,
    ReferenceSequence,
    ResolutionCode,
    Survey,
    Tag,
    Ticket,
    TicketState,
    TicketType,
)
from yunwei.tickets.priority import priority_for

TICKET_FIELDS = (
    "reference",
    "type",
    "title",
    "description",
    "requester",
    "organization",
    "service",
    "category",
    "impact",
    "urgency",
    "priority",
    "channel",
    "state",
    "team",
    "assignee",
    "watchers",
    "tags",
    "custom_fields",
    "analysis",
    "root_cause",
    "workaround",
    "known_error",
    "resolution_code",
    "resolution_note",
    "problem",
    "parent",
)
# What PATCH may change; state moves only by `transition_ticket`.
EDITABLE_FIELDS = (
    "title",
    "description",
    "service",
    "category",
    "impact",
    "urgency",
    "priority",
    "team",
    "assignee",
    "watchers",
    "tags",
    "custom_fields",
    "analysis",
    "root_cause",
    "workaround",
    "known_error",
    "problem",
    "parent",
    "requester",
)
# Changes the customer's users do not read, not even in the audit trail: the provider's
# teams and its own analysis. They go into a separate, internal audit entry.
INTERNAL_FIELDS = ("team", "analysis", "root_cause")
TEXT_FIELDS = ("description", "analysis", "root_cause", "workaround")
MAX_TAGS = 20


def is_agent(actor: User | None) -> bool:
    """The system and provider staff who may work tickets."""
    return actor is None or (actor.is_provider_staff and actor.has_perm("tickets.change_ticket"))


def _invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: message}, code=code)


def next_reference(ticket_type: str) -> str:
    """INC-000123: numbers per type, handed out under a row lock until commit."""
    sequences = ReferenceSequence.objects.filter(ticket_type=ticket_type)
    if not sequences.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(ticket_type=ticket_type, last=1)
        except IntegrityError:  # created meanwhile by another writer
            sequences.update(last=F("last") + 1)
    number = sequences.values_list("last", flat=True).get()
    return f"{REFERENCE_PREFIX[TicketType(ticket_type)]}-{number:06d}"


# --- checks on related objects ---------------------------------------------------------


def _check_service(actor: User | None, service: Service | None, organization: Organization) -> None:
    if service is None:
        raise _invalid("service", _("Choose a service."), "required")
    if actor is not None and not Service.objects.visible_to(actor).filter(pk=service.pk).exists():
        raise _invalid("service", _("Unknown service: %(id)s.") % {"id": service.pk})
    if (
        organization.kind == "customer"
        and not service.organizations.filter(pk=organization.pk).exists()
    ):
        raise _invalid(
            "service",
            _("%(org)s does not subscribe to the service %(service)s.")
            % {"org": organization, "service": service},
        )
    if service.status == "retired":
        raise _invalid("service", _("The service %(service)s is retired.") % {"service": service})


def _check_requester(actor: User | None, requester: User, organization: Organization) -> None:
    if not requester.is_active:
        raise _invalid("requester", _("The requester's account is inactive."))
    if requester.organization_id != organization.pk:
        raise _invalid(
            "requester",
            _("The requester belongs to another organization than the ticket."),
        )
    if actor is not None and not actor.is_provider_staff and requester.pk != actor.pk:
        # A customer raises tickets for themselves, never in another user's name.
        if requester.organization_id != actor.organization_id:
            raise _invalid("requester", _("Unknown user: %(id)s.") % {"id": requester.pk})
        raise _invalid("requester", _("You can raise tickets only for yourself."))


def _check_staff_user(field: str, user: User | None) -> None:
    if user is None:
        return
    if not user.is_active or not user.is_provider_staff:
        raise _invalid(field, _("%(user)s is not an active service desk member.") % {"user": user})


def _check_watchers(watchers: list[User], organization: Organization) -> None:
    """Watchers are the provider's staff or the ticket organization's own users."""
    for watcher in watchers:
        if not watcher.is_provider_staff and watcher.organization_id != organization.pk:
            raise _invalid("watchers", _("Unknown user: %(id)s.") % {"id": watcher.pk})


def _check_category(category: Category | None, ticket_type: str, service: Service | None) -> None:
    if category is None:
        return
    if not category.is_active:
        raise _invalid("category", _("The category %(c)s is no longer in use.") % {"c": category})
    if category.ticket_types and ticket_type not in category.ticket_types:
        raise _invalid(
            "category",
            _("The category %(c)s is not for this type of ticket.") % {"c": category},
        )
    if not category.is_offered_for(service):
        raise _invalid(
            "category", _("The category %(c)s is not offered for this service.") % {"c": category}
        )


def _check_link(field: str, ticket: Ticket, other: Ticket | None) -> None:
    if other is None:
        return
    if other.pk is not None and other.pk == ticket.pk:
        raise _invalid(field, _("A ticket cannot be linked to itself."))
    if field == "problem" and other.type != TicketType.PROBLEM:
        raise _invalid("problem", _("%(ref)s is not a problem.") % {"ref": other.reference})
    if field == "problem" and ticket.type == TicketType.PROBLEM:
        raise _invalid("problem", _("A problem cannot belong to another problem."))
    if field == "parent":
        ancestor: Ticket | None = other
        while ancestor is not None:
            if ancestor.pk == ticket.pk:
                raise _invalid("parent", _("This would make the ticket its own ancestor."))
            ancestor = ancestor.parent


def _tags(names: Iterable[str]) -> list[Tag]:
    clean = []
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        if len(name) > 50:
            raise _invalid("tags", _("A tag has at most 50 characters: %(tag)s") % {"tag": name})
        if name not in clean:
            clean.append(name)
    if len(clean) > MAX_TAGS:
        raise _invalid("tags", _("At most %(n)s tags.") % {"n": MAX_TAGS})
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=clean)}
    return [existing.get(name) or Tag.objects.create(name=name) for name in clean]


def _clean_custom_fields(ticket: Ticket, values: Any) -> dict[str, Any]:
    declarations = ticket.category.fields if ticket.category else []
    return custom_fields.validate_values(declarations, values)


def _record(ticket: Ticket, actor: User | None, action: str, changes: dict[str, Any]) -> None:
    public = {k: v for k, v in changes.items() if k not in INTERNAL_FIELDS}
    internal = {k: v for k, v in changes.items() if k in INTERNAL_FIELDS}
    if public or not internal:
        audit.record(actor=actor, action=action, obj=ticket, changes=public)
    if internal:
        audit.record(actor=actor, action=action, obj=ticket, changes=internal, internal=True)


def _render(ticket: Ticket) -> None:
    ticket.description_html = render_markdown(ticket.description)


# --- create -------------------------------------------------------------------------


@transaction.atomic
def create_ticket(
    *,
    actor: User | None,
    title: str,
    service: Service | None,
    type: str = TicketType.INCIDENT,
    description: str = "",
    requester: User | None = None,
    organization: Organization | None = None,
    category: Category | None = None,
    impact: str = Level.MEDIUM,
    urgency: str = Level.MEDIUM,
    priority: str | None = None,
    channel: str = Channel.WEB,
    team: Team | None = None,
    assignee: User | None = None,
    watchers: Iterable[User] = (),
    tags: Iterable[str] = (),
    custom_fields: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """`at` backdates the ticket (imports from another system, a mail's own date); the
    SLA clocks start then."""
    require_permission(actor, "tickets.add_ticket")
    agent = is_agent(actor)
    if not agent:
        for name, value in (("priority", priority), ("team", team), ("assignee", assignee)):
            if value is not None:
                raise _invalid(name, _("Only the service desk sets this."), "forbidden")
        if type == TicketType.PROBLEM:
            raise _invalid("type", _("Only the service desk raises problems."), "forbidden")
    requester = requester or actor
    if requester is None:
        raise _invalid("requester", _("Who is this ticket for?"), "required")
    organization = organization or requester.organization
    if type not in TicketType.values:
        raise _invalid("type", _("Unknown ticket type: %(type)s.") % {"type": type})
    for name, value in (("impact", impact), ("urgency", urgency)):
        if value not in Level.values:
            raise _invalid(name, _("Choose high, medium or low."))
    if priority is not None and priority not in Priority.values:
        raise _invalid("priority", _("Unknown priority: %(p)s.") % {"p": priority})
    if channel not in Channel.values:
        raise _invalid("channel", _("Unknown channel: %(c)s.") % {"c": channel})
    _check_requester(actor, requester, organization)
    _check_service(actor, service, organization)
    _check_category(category, type, service)
    _check_staff_user("assignee", assignee)
    watchers = list(watchers)
    _check_watchers(watchers, organization)
    ticket = Ticket(
        type=type,
        title=(title or "").strip(),
        description=description or "",
        requester=requester,
        organization=organization,
        service=service,
        category=category,
        impact=impact,
        urgency=urgency,
        priority=priority or priority_for(impact, urgency),
        channel=channel,
        team=team,
        assignee=assignee,
    )
    ticket.custom_fields = _clean_custom_fields(ticket, custom_fields)
    if assignee is not None and team is None:
        ticket.team = assignee.teams.order_by("id").first()
    if team is None and assignee is None:
        ticket.team, ticket.assignee = assignment.route(ticket)
    if ticket.assignee is not None:
        ticket.state = TicketState.ASSIGNED
    _render(ticket)
    ticket.full_clean(exclude=["reference", "description_html"], validate_constraints=False)
    ticket.reference = next_reference(type)
    ticket.save()
    if at is not None:
        Ticket.objects.filter(pk=ticket.pk).update(created_at=at, updated_at=at)
        ticket.created_at = ticket.updated_at = at
    ticket.watchers.set(watchers)
    ticket.tags.set(_tags(tags))
    _record(
        ticket, actor, AuditAction.CREATE, audit.diff({}, audit.snapshot(ticket, TICKET_FIELDS))
    )
    sla_link.start(ticket, actor=actor)
    search.reindex(ticket.pk)
    events.emit(EventName.TICKET_CREATED, ticket, actor=actor)
    if ticket.assignee is not None and ticket.assignee != actor:
        events.emit(EventName.TICKET_ASSIGNED, ticket, actor=actor, recipients=[ticket.assignee])
    return ticket


# --- update -------------------------------------------------------------------------


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",)).select_related("category").get(pk=ticket.pk)
    )


@transaction.atomic
def update_ticket(ticket: Ticket, *, actor: User | None, **changes: Any) -> Ticket:
    """Change any of EDITABLE_FIELDS. A new impact or urgency recomputes the priority
    unless an agent sets the priority in the same change."""
    require_permission(actor, "tickets.change_ticket")
    require_visible(actor, ticket)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in unknown}, code="unknown"
        )
    ticket = _lock(ticket)
    before = audit.snapshot(ticket, TICKET_FIELDS)
    watchers = changes.pop("watchers", None)
    tags = changes.pop("tags", None)
    for name in ("impact", "urgency"):
        if name in changes and changes[name] not in Level.values:
            raise _invalid(name, _("Choose high, medium or low."))
    if "priority" in changes and changes["priority"] not in Priority.values:
        raise _invalid("priority", _("Unknown priority: %(p)s.") % {"p": changes["priority"]})
    if ("impact" in changes or "urgency" in changes) and "priority" not in changes:
        changes["priority"] = priority_for(
            changes.get("impact", ticket.impact), changes.get("urgency", ticket.urgency)
        )
    for name, value in changes.items():
        if name in TEXT_FIELDS or name == "title":
            value = value or ""
        setattr(ticket, name, value)
    if "requester" in changes:
        _check_requester(None, ticket.requester, ticket.organization)
    if "service" in changes:
        _check_service(actor, ticket.service, ticket.organization)
    if "category" in changes:
        _check_category(ticket.category, ticket.type, ticket.service)
    if "category" in changes or "custom_fields" in changes:
        ticket.custom_fields = _clean_custom_fields(ticket, ticket.custom_fields)
    if "assignee" in changes:
        _check_staff_user("assignee", ticket.assignee)
        if ticket.assignee is not None and ticket.team_id is None:
            ticket.team = ticket.assignee.teams.order_by("id").first()
        if ticket.assignee is not None and ticket.state == TicketState.NEW:
            ticket.state = TicketState.ASSIGNED
        elif ticket.assignee is None and ticket.state == TicketState.ASSIGNED:
            ticket.state = TicketState.NEW  # back in the team's queue, nobody on it
    for name in ("problem", "parent"):
        if name in changes:
            _check_link(name, ticket, changes[name])
    if "title" in changes:
        ticket.title = ticket.title.strip()
    if "description" in changes:
        _render(ticket)
    ticket.full_clean(exclude=["description_html"], validate_constraints=False)
    if watchers is not None:
        watchers = list(watchers)
        _check_watchers(watchers, ticket.organization)
        ticket.watchers.set(watchers)
    if tags is not None:
        ticket.tags.set(_tags(tags))
    changed = audit.diff(before, audit.snapshot(ticket, TICKET_FIELDS))
    if not changed:
        return ticket
    fields = [n for n in changed if n not in ("watchers", "tags")]
    if "description" in fields:
        fields.append("description_html")
    if fields:
        ticket.save(update_fields=[*fields, "updated_at"])
    _record(ticket, actor, AuditAction.UPDATE, changed)
    if "priority" in changed:
        sla_link.priority_changed(ticket, actor=actor)
    if "service" in changed:
        sla_link.service_changed(ticket, actor=actor)
    if {"title", "description"} & set(changed):
        search.reindex(ticket.pk)
    events.changes_emitted(ticket, actor=actor, changed=changed)
    return ticket


# --- transitions --------------------------------------------------------------------


def _transition_error(error: workflow.TransitionError) -> ValidationError:
    messages = {
        "unknown": _("Unknown transition."),
        "forbidden": _("You may not move this ticket there."),
        "invalid": _("This ticket cannot make that move from its current state."),
        "too_late": _("It was resolved too long ago to reopen: raise a new ticket."),
    }
    return StateConflict({"to": messages[error.code]})


@transaction.atomic
def transition_ticket(
    ticket: Ticket,
    *,
    actor: User | None,
    to: str,
    assignee: User | None = None,
    team: Team | None = None,
    resolution: str = "",
    note: str = "",
    resolve_incidents: bool = False,
    at: dt.datetime | None = None,
) -> Ticket:
    """Move a ticket: assign, start work, wait on the customer, resolve (a resolution
    code and note are required), close (confirm) or reopen.

    A `note` becomes the resolution note when resolving; otherwise a comment — public
    where it speaks to the customer (waiting, closing, reopening), internal else.
    Invalid moves raise StateConflict (→ 409).
    """
    from yunwei.tickets.actions.comments import add_comment

    require_visible(actor, ticket)
    agent = is_agent(actor)
    if not agent:
        require_permission(actor, "tickets.add_comment")
        if assignee is not None or team is not None:
            raise _invalid("assignee", _("Only the service desk sets this."), "forbidden")
        if actor is not None and actor.pk != ticket.requester_id:
            # Confirming or reopening is the requester's verification (§5.2).
            raise PermissionDenied(_("Only the requester confirms or reopens a ticket."))
    note = (note or "").strip()
    ticket = _lock(ticket)
    now = at or timezone.now()
    try:
        target = workflow.check(
            ticket.state,
            to,
            is_agent=agent,
            resolved_at=ticket.resolved_at,
            now=now,
            reopen_days=settings.TICKET_REOPEN_DAYS,
        )
    except workflow.TransitionError as error:
        raise _transition_error(error) from None
    before = audit.snapshot(ticket, TICKET_FIELDS)
    previous_state = ticket.state
    if to == workflow.ASSIGNED:
        if assignee is None and team is None and ticket.assignee_id is None:
            raise _invalid("assignee", _("Give an assignee or a team."), "required")
        _check_staff_user("assignee", assignee)
        if team is not None:
            ticket.team = team
            if assignee is None:
                ticket.assignee = None
        if assignee is not None:
            ticket.assignee = assignee
            if team is None and not assignee.teams.filter(pk=ticket.team_id or 0).exists():
                ticket.team = assignee.teams.order_by("id").first() or ticket.team
        if ticket.assignee is None:
            target = TicketState.NEW  # handed to a team's queue, nobody picked it yet
    elif (
        to in (workflow.IN_PROGRESS, workflow.WAITING_ON_CUSTOMER)
        and ticket.assignee_id is None
        and actor is not None
    ):
        ticket.assignee = actor  # working on a ticket takes it
        ticket.team = ticket.team or actor.teams.order_by("id").first()
    elif to == workflow.RESOLVED:
        if resolution not in ResolutionCode.values:
            raise _invalid("resolution", _("Choose a resolution code."), "required")
        if not (note or "").strip():
            raise _invalid("note", _("Say how it was resolved."), "required")
        ticket.resolution_code = resolution
        ticket.resolution_note = note
        ticket.resolved_at = now
        if ticket.assignee_id is None and actor is not None and agent:
            ticket.assignee = actor  # whoever resolves it answers for it (and its rating)
    elif to == workflow.CLOSED:
        ticket.closed_at = now
    elif to == workflow.REOPENED:
        target = TicketState.ASSIGNED if ticket.assignee_id else TicketState.NEW
        ticket.reopen_count += 1
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.resolution_code = ""
        ticket.resolution_note = ""
    public_note = not agent or to in (
        workflow.WAITING_ON_CUSTOMER,
        workflow.CLOSED,
        workflow.REOPENED,
    )
    if note and to == workflow.CLOSED:
        # Said before the ticket closes: a closed ticket takes no more comments.
        add_comment(ticket, actor=actor, body=note, public=public_note, at=now)
        ticket.refresh_from_db(fields=["first_response_at", "time_spent_minutes", "updated_at"])
    ticket.state = target
    ticket.save()
    if at is not None:  # a backdated move (imports): updated_at is when it happened
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=at)
    changed = audit.diff(before, audit.snapshot(ticket, TICKET_FIELDS))
    _record(ticket, actor, AuditAction.UPDATE, {**changed, "transition": [None, to]})
    if previous_state != ticket.state:
        sla_link.state_changed(ticket, previous_state, ticket.state, actor=actor, at=now)
    if to == workflow.RESOLVED:
        _ask_satisfaction(ticket, now)
        if resolve_incidents and ticket.type == TicketType.PROBLEM:
            _resolve_incidents(ticket, actor=actor, resolution=resolution, note=note, at=now)
    elif note and to != workflow.CLOSED:
        add_comment(ticket, actor=actor, body=note, public=public_note, at=now)
    moved = {
        workflow.RESOLVED: EventName.TICKET_RESOLVED,
        workflow.CLOSED: EventName.TICKET_CLOSED,
        workflow.REOPENED: EventName.TICKET_REOPENED,
    }
    if to in moved:
        events.emit(moved[to], ticket, actor=actor, at=now)
    else:
        events.changes_emitted(ticket, actor=actor, changed=changed)
    return ticket


def _ask_satisfaction(ticket: Ticket, now: Any) -> None:
    """Asks once per ticket: a rating already given (say, before a reopen) is kept."""
    survey = Survey.objects.filter(ticket=ticket).first()
    if survey is not None and survey.answered_at is not None:
        return
    Survey.objects.update_or_create(
        ticket=ticket,
        defaults={"requested_at": now, "agent_id": ticket.assignee_id, "team_id": ticket.team_id},
    )


def _resolve_incidents(
    problem: Ticket, *, actor: User | None, resolution: str, note: str, at: dt.datetime
) -> None:
    """Resolving a problem resolves its open incidents with the same code and note."""
    for incident in problem.incidents.filter(state__in=workflow.OPEN):
        transition_ticket(
            incident,
            actor=actor,
            to=workflow.RESOLVED,
            resolution=resolution,
            note=_("Resolved with problem %(ref)s: %(note)s")
            % {"ref": problem.reference, "note": note},
            at=at,
        )


@transaction.atomic
def bulk_update(
    tickets: Iterable[Ticket], *, actor: User | None, to: str | None = None, **changes: Any
) -> int:
    """Apply one change (fields and/or a transition) to several tickets, all or none;
    an error names the ticket it concerns."""
    if not is_agent(actor):
        raise PermissionDenied(_("You are not allowed to do this."))
    transition_args: dict[str, Any] = {
        key: changes.pop(key) or "" for key in ("resolution", "note") if key in changes
    }
    if to == workflow.ASSIGNED:
        # Assigning is the transition's own business, with its assignee or team.
        transition_args.update(
            {key: changes.pop(key) for key in ("assignee", "team") if key in changes}
        )
    count = 0
    for ticket in tickets:
        try:
            if changes:
                update_ticket(ticket, actor=actor, **changes)
            if to:
                transition_ticket(ticket, actor=actor, to=to, **transition_args)
        except ValidationError as error:
            kind = StateConflict if isinstance(error, StateConflict) else ValidationError
            raise kind(
                {
                    field: [f"{ticket.reference}: {message}" for message in messages]
                    for field, messages in error.message_dict.items()
                }
            ) from error
        count += 1
    return count


def answer_survey(ticket: Ticket, *, actor: User, score: int, comment: str = "") -> Survey:
    """The requester rates a resolved ticket, once."""
    with transaction.atomic():
        require_visible(actor, ticket)
        survey = Survey.objects.select_for_update().filter(ticket=ticket).first()
        if survey is None:
            raise StateConflict({"score": _("This ticket has not been resolved yet.")})
        if actor.pk != ticket.requester_id:
            raise PermissionDenied(_("Only the requester rates a ticket."))
        if survey.answered_at is not None:
            raise StateConflict({"score": _("You have rated this ticket.")})
        state = Ticket.objects.values_list("state", flat=True).get(pk=ticket.pk)
        if state not in (TicketState.RESOLVED, TicketState.CLOSED):
            raise StateConflict({"score": _("Rate the ticket once it is resolved.")})
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            raise _invalid("score", _("Give a score from 1 to 5."))
        survey.score = score
        survey.comment = (comment or "").strip()
        survey.answered_at = timezone.now()
        survey.save(update_fields=["score", "comment", "answered_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=ticket,
            changes={"satisfaction": [None, score], "satisfaction_comment": [None, survey.comment]},
        )
        return survey


@transaction.atomic
def close_resolved_tickets(*, older_than_days: int | None = None) -> int:
    """Closes tickets resolved more than N days ago that nobody confirmed (the worker
    runs this daily)."""
    days = settings.TICKET_AUTO_CLOSE_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - dt.timedelta(days=days)
    due = Ticket.objects.filter(state=TicketState.RESOLVED, resolved_at__lt=cutoff)
    count = 0
    for ticket in due.order_by("id")[:1000]:
        transition_ticket(ticket, actor=None, to=workflow.CLOSED)
        count += 1
    return count
