"""A ticket's history from the audit trail: the ticket's own entries and those of its
comments, attachments and SLA records.

Whoever may see the ticket sees its history — agents need no audit-trail permission for
that — but a customer's user only the entries of their organization, which leaves out
internal notes, internal files and the provider's own analysis (recorded as internal)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from yunwei.core.models import AuditEntry
from yunwei.sla.models import SlaRecord
from yunwei.tickets.models import Attachment, Comment, Ticket


def _ids(queryset: Any) -> Any:
    return queryset.annotate(text_id=Cast("pk", CharField())).values("text_id")


def for_ticket(ticket: Ticket, user: Any) -> Any:
    """Newest first; the caller has checked that `user` may see the ticket."""
    records = SlaRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), object_id=ticket.pk
    )
    entries = AuditEntry.objects.filter(
        Q(object_type="tickets.ticket", object_id=str(ticket.pk))
        | Q(
            object_type="tickets.comment", object_id__in=_ids(Comment.objects.filter(ticket=ticket))
        )
        | Q(
            object_type="tickets.attachment",
            object_id__in=_ids(Attachment.objects.filter(ticket=ticket)),
        )
        | Q(object_type="sla.slarecord", object_id__in=_ids(records))
    )
    if not user.is_provider_staff:
        entries = entries.filter(organization_id=ticket.organization_id)
    return entries.select_related("actor").order_by("-id")
