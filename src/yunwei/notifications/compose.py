"""Writing one e-mail about an event for one recipient: subject, text and HTML parts in
the recipient's language and time zone, threading ids, and headers that no user-typed
value can break out of (CVE-2024-6923)."""

from __future__ import annotations

import datetime as dt
import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yunwei.core.events import Event, EventName
from yunwei.core.links import absolute_url
from yunwei.notifications import threading
from yunwei.notifications.audience import CUSTOMER_CHANGES, waits_on_customer
from yunwei.notifications.models import OutboundEmail
from yunwei.notifications.wording import subject_tail

# Control characters (CR, LF, NUL…) and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_safe(value: Any) -> str:
    """One line of plain text: every control character becomes a space."""
    return _CONTROL.sub(" ", str(value)).strip()


def mailbox(name: str, address: str) -> str:
    """ "Name <addr>" built by the e-mail library; ValueError for a malformed address."""
    if _CONTROL.search(address):
        raise ValueError(address)
    try:
        return str(Address(display_name=header_safe(name), addr_spec=address))
    except HeaderParseError as error:
        raise ValueError(str(error)) from error


def ticket_path(ticket: Any, user: Any) -> str:
    """Staff go to the service desk page, customers to the portal."""
    if user.is_provider_staff:
        return reverse("tickets:ticket", args=[ticket.pk])
    try:
        return reverse("portal:ticket", args=[ticket.pk])
    except NoReverseMatch:
        return f"/portal/tickets/{ticket.pk}/"


def _value_label(field: Any, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return str(field.related_model._default_manager.filter(pk=value).first() or "—")
    return str(value)


def _changes(event: Event, customer: bool) -> list[dict[str, str]]:
    ticket = event.obj
    rows = []
    for name, (old, new) in event.data.get("changes", {}).items():
        if customer and name not in CUSTOMER_CHANGES:
            continue
        field = type(ticket)._meta.get_field(name)
        rows.append(
            {
                "field": str(field.verbose_name),
                "old": _value_label(field, old),
                "new": _value_label(field, new),
            }
        )
    return rows


def _comment(event: Event) -> Any:
    """The public reply of a ticket.commented event (never an internal note)."""
    from yunwei.tickets.models import Comment

    comment_id = event.data.get("comment_id")
    if event.name != EventName.TICKET_COMMENTED or comment_id is None:
        return None
    return Comment.objects.filter(pk=comment_id, public=True).select_related("author").first()


def _sla_kind(event: Event) -> str:
    from yunwei.sla.models import SlaRecord

    kind = event.data.get("sla")
    field = SlaRecord._meta.get_field("kind")
    return str(dict(field.flatchoices).get(kind, kind or ""))


def context(event: Event, user: Any) -> dict[str, Any]:
    ticket = event.obj
    customer = not user.is_provider_staff
    due_at = event.data.get("due_at")
    return {
        "event": event.name,
        "recipient": user,
        "customer": customer,
        "ticket": ticket,
        "actor": str(event.actor) if event.actor else _("System"),
        "at": event.at,
        "link": absolute_url(ticket_path(ticket, user)),
        "changes": _changes(event, customer),
        "comment": _comment(event),
        "public": event.data.get("public", True),
        "waiting": waits_on_customer(event),
        "sla_kind": _sla_kind(event),
        "due_at": dt.datetime.fromisoformat(due_at) if due_at else None,
    }


def email_for(event: Event, user: Any) -> OutboundEmail:
    """The unsaved row: rendered now, under the recipient's language and time zone."""
    ticket = event.obj
    with translation.override(user.language), timezone.override(user.timezone):
        values = context(event, user)
        subject = f"[{ticket.reference}] {ticket.title} — {subject_tail(event.name)}"
        text = render_to_string(f"notifications/email/{event.name}.txt", values)
        html = render_to_string(f"notifications/email/{event.name}.html", values)
    return OutboundEmail(
        recipient=user,
        address=user.email,
        language=user.language,
        subject=header_safe(subject)[:400],
        body_text=text,
        body_html=html,
        message_id=threading.new_message_id(ticket.pk),
        in_reply_to=threading.root_id(ticket.pk),
        references=threading.root_id(ticket.pk),
        ticket=ticket,
        ticket_reference=ticket.reference,
        event=event.name,
    )
