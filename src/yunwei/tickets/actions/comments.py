"""The conversation on a ticket: public replies, internal notes and attachments."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.accounts.models import User
from yunwei.core import audit
from yunwei.core.events import EventName
from yunwei.core.markup import render_markdown
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.tickets import attachments, events, search, sla_link, workflow
from yunwei.tickets.actions.tickets import is_agent
from yunwei.tickets.models import Attachment, Channel, Comment, Ticket, TicketState

MAX_TIME_SPENT = 24 * 60 * 7
MAX_BODY = 100_000
MAX_MENTIONS = 50
# "@someone@example.com" or "@张伟": up to whitespace or punctuation.
MENTION = re.compile(r"(?<![\w@])@([^\s@,，。;；:：!！?？()（）<>]+(?:@[\w.-]+\.\w+)?)")


def mentioned_users(ticket: Ticket, body: str, *, public: bool) -> list[User]:
    """Users named by @e-mail or @name who may see the comment: provider staff, and for
    public replies also the ticket organization's users."""
    tokens = sorted({token.rstrip(".") for token in MENTION.findall(body)})[:MAX_MENTIONS]
    if not tokens:
        return []
    audience = Q(organization__kind="provider")
    if public:
        audience |= Q(organization_id=ticket.organization_id)
    named = Q(email_lower__in=[token.lower() for token in tokens]) | Q(name__in=tokens)
    users = User.objects.annotate(email_lower=Lower("email"))
    return list(users.filter(audience, named, is_active=True).distinct())


def _may_reopen(ticket: Ticket, actor: User | None) -> bool:
    if actor is None or actor.pk != ticket.requester_id:
        return False
    try:
        workflow.check(
            ticket.state,
            workflow.REOPENED,
            is_agent=False,
            resolved_at=ticket.resolved_at,
            now=timezone.now(),
            reopen_days=settings.TICKET_REOPEN_DAYS,
        )
    except workflow.TransitionError:
        return False  # too late: the reply stays a comment on the resolved ticket
    return True


@transaction.atomic
def add_comment(
    ticket: Ticket,
    *,
    actor: User | None,
    body: str,
    public: bool = True,
    time_spent_minutes: int = 0,
    channel: str = Channel.WEB,
    at: dt.datetime | None = None,
) -> Comment:
    """A reply (public) or an internal note. Customers' users only reply, and their reply
    to a ticket waiting on them puts it back in progress; the service desk's first public
    reply meets the response target."""
    require_permission(actor, "tickets.add_comment")
    require_visible(actor, ticket)
    agent = is_agent(actor)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write something.")}, code="required")
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": _("At most %(n)s characters.") % {"n": MAX_BODY}}, code="max_length"
        )
    if not agent:
        if not public:
            raise ValidationError(
                {"public": _("Only the service desk writes internal notes.")}, code="forbidden"
            )
        if time_spent_minutes:
            raise ValidationError(
                {"time_spent_minutes": _("Only the service desk records time.")},
                code="forbidden",
            )
    if not isinstance(time_spent_minutes, int) or not 0 <= time_spent_minutes <= MAX_TIME_SPENT:
        raise ValidationError(
            {
                "time_spent_minutes": _("Give minutes between 0 and %(max)s.")
                % {"max": MAX_TIME_SPENT}
            }
        )
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel: %(c)s.") % {"c": channel}})
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.state == TicketState.CLOSED:
        from yunwei.core.changes import StateConflict

        raise StateConflict({"body": _("This ticket is closed: reopen it or raise a new one.")})
    comment = Comment.objects.create(
        ticket=ticket,
        author=actor,
        body=body,
        body_html=render_markdown(body),
        public=public,
        time_spent_minutes=time_spent_minutes,
        channel=channel,
    )
    if at is not None:
        Comment.objects.filter(pk=comment.pk).update(created_at=at)
        comment.created_at = at
    mentions = mentioned_users(ticket, body, public=public)
    if mentions:
        comment.mentions.set(mentions)
    # The people named, and a requester's colleague who joins in, follow the ticket.
    following = [*mentions]
    if not agent and actor is not None and actor.pk != ticket.requester_id:
        following.append(actor)
    if following:
        before = audit.snapshot(ticket, ["watchers"])
        ticket.watchers.add(*following)
        changed = audit.diff(before, audit.snapshot(ticket, ["watchers"]))
        if changed:
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=ticket, changes=changed)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=comment,
        organization_id=ticket.organization_id,
        # Internal notes belong to no organization: the customer never reads them, not
        # even in the audit trail.
        internal=not public,
        changes={
            "ticket": [None, ticket.reference],
            "public": [None, public],
            "body": [None, body],
        },
    )
    if time_spent_minutes:
        # Time spent is the provider's own figure: an entry the customer never reads.
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=comment,
            internal=True,
            changes={"time_spent_minutes": [None, time_spent_minutes]},
        )
    if time_spent_minutes:
        Ticket.objects.filter(pk=ticket.pk).update(
            time_spent_minutes=F("time_spent_minutes") + time_spent_minutes
        )
    if public and agent and actor is not None and ticket.first_response_at is None:
        ticket.first_response_at = comment.created_at
        ticket.save(update_fields=["first_response_at", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=ticket,
            changes={"first_response_at": [None, ticket.first_response_at]},
        )
        sla_link.responded(ticket, actor=actor, at=comment.created_at)
    if not agent and ticket.state == TicketState.WAITING_ON_CUSTOMER:
        from yunwei.tickets.actions.tickets import transition_ticket

        transition_ticket(ticket, actor=None, to=workflow.IN_PROGRESS, at=comment.created_at)
    elif not agent and ticket.state == TicketState.RESOLVED and _may_reopen(ticket, actor):
        # "It still doesn't work": the requester's reply reopens a resolved ticket, as
        # the resolution mail says it will.
        from yunwei.tickets.actions.tickets import transition_ticket

        transition_ticket(ticket, actor=actor, to=workflow.REOPENED, at=comment.created_at)
    else:
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=comment.created_at)
    search.reindex(ticket.pk)
    if public:
        events.emit(
            EventName.TICKET_COMMENTED, ticket, actor=actor, at=comment.created_at,
            comment_id=comment.pk, channel=channel,
        )  # fmt: skip
    if mentions:
        # Also for internal notes: the mentioned are staff then, and are told where, not what.
        events.emit(
            EventName.TICKET_MENTIONED, ticket, actor=actor, at=comment.created_at,
            recipients=[user for user in mentions if user != actor],
            comment_id=comment.pk, public=public,
        )  # fmt: skip
    return comment


@transaction.atomic
def add_attachment(
    ticket: Ticket,
    *,
    actor: User | None,
    name: str,
    stream: IO[bytes],
    comment: Comment | None = None,
    public: bool = True,
) -> Attachment:
    """Stores a file on the ticket (or a comment of it) after checking its size and that
    its content is what its name says. Attachments of internal notes are internal."""
    require_permission(actor, "tickets.add_attachment")
    require_visible(actor, ticket)
    if comment is not None:
        if comment.ticket_id != ticket.pk:
            raise ValidationError({"comment": _("That comment is on another ticket.")})
        public = comment.public
    if not public and not is_agent(actor):
        raise ValidationError(
            {"public": _("Only the service desk adds internal files.")}, code="forbidden"
        )
    checked = attachments.inspect(name, stream)
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        token=secrets.token_urlsafe(24),
        name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        public=public,
        uploaded_by=actor,
    )
    attachment.file.save(attachment.token, File(stream), save=False)
    stored = attachment.file.name or ""
    try:
        attachment.save()
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=attachment,
            organization_id=ticket.organization_id,
            internal=not public,
            changes={
                "ticket": [None, ticket.reference],
                "name": [None, checked.name],
                "size": [None, checked.size],
                "content_type": [None, checked.content_type],
                "sha256": [None, checked.sha256],
            },
        )
    except Exception:
        # Nothing was written: the stored file goes too.
        attachment.file.storage.delete(stored)
        raise
    return attachment
