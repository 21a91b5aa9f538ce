"""What a customer's user does in the portal, each one transaction over the tickets
app's actions: raising a ticket with its files, replying with files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from yunwei.accounts.models import User
from yunwei.catalog.models import Service
from yunwei.portal.querysets import portal_tickets
from yunwei.tickets import actions as ticket_actions
from yunwei.tickets import attachments
from yunwei.tickets.models import Category, Channel, Comment, Ticket


def _check_files(files: Sequence[UploadedFile]) -> None:
    # Every file is checked before anything is written, so a refused file never leaves
    # the others' stored bytes behind a rolled-back ticket or reply.
    for upload in files:
        attachments.inspect(upload.name or "", upload)


def require_portal_access(actor: User, ticket: Ticket) -> None:
    """The ticket must be one the actor follows in the portal (see `querysets`)."""
    if not portal_tickets(actor).filter(pk=ticket.pk).exists():
        raise PermissionDenied(_("You are not allowed to do this."))


@transaction.atomic
def raise_ticket(
    *,
    actor: User,
    service: Service,
    type: str,
    title: str,
    description: str = "",
    category: Category | None = None,
    impact: str = "medium",
    urgency: str = "medium",
    custom_fields: dict[str, Any] | None = None,
    files: Sequence[UploadedFile] = (),
) -> Ticket:
    """An incident or service request raised in the portal, with its files: all of it,
    or nothing when a file is refused."""
    _check_files(files)
    ticket = ticket_actions.create_ticket(
        actor=actor,
        service=service,
        type=type,
        title=title,
        description=description,
        category=category,
        impact=impact,
        urgency=urgency,
        custom_fields=custom_fields,
        channel=Channel.PORTAL,
    )
    for upload in files:
        ticket_actions.add_attachment(ticket, actor=actor, name=upload.name or "", stream=upload)
    return ticket


@transaction.atomic
def reply_to_ticket(
    ticket: Ticket, *, actor: User, body: str, files: Sequence[UploadedFile] = ()
) -> Comment:
    """A public reply from the portal with its files, or nothing. A reply of files only
    gets their names as its text (the conversation and the mails show the text)."""
    require_portal_access(actor, ticket)
    _check_files(files)
    if not (body or "").strip() and files:
        body = "\n".join(_("(Attachment) %(name)s") % {"name": upload.name} for upload in files)
    comment = ticket_actions.add_comment(
        ticket, actor=actor, body=body, public=True, channel=Channel.PORTAL
    )
    for upload in files:
        ticket_actions.add_attachment(
            ticket, actor=actor, name=upload.name or "", stream=upload, comment=comment
        )
    return comment
