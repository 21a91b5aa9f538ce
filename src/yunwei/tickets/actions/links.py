"""Duplicate and related links between tickets (problems and parents are fields of the
ticket, changed with `update_ticket`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yunwei.accounts.models import User
from yunwei.core import audit
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.tickets.models import LinkKind, Ticket, TicketLink


@transaction.atomic
def link_tickets(source: Ticket, target: Ticket, *, actor: User | None, kind: str) -> TicketLink:
    require_permission(actor, "tickets.add_ticketlink")
    require_visible(actor, source)
    require_visible(actor, target)
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Choose duplicate_of or related.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("A ticket cannot be linked to itself.")})
    link, created = TicketLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"created_by": actor}
    )
    if created:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=source,
            changes={"link": [None, f"{kind} {target.reference}"]},
            # A link to another organization's ticket stays with the provider: the
            # customer must not even learn its reference.
            internal=source.organization_id != target.organization_id,
        )
    return link


@transaction.atomic
def unlink_tickets(link: TicketLink, *, actor: User | None) -> None:
    require_permission(actor, "tickets.delete_ticketlink")
    require_visible(actor, link.source)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=link.source,
        changes={"link": [f"{link.kind} {link.target.reference}", None]},
        internal=link.source.organization_id != link.target.organization_id,
    )
    link.delete()
