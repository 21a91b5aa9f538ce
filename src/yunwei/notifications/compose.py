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

from yunwei.core.events import Event
from yunwei.core.links import absolute_url
from yunwei.notifications import threading
from yunwei.notifications.audience import CUSTOMER_CHANGES
from yunwei.notifications.models import WAITING, OutboundEmail
from yunwei.notifications.wording import subject_tail

# Control characters (CR, LF, NUL…) and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_safe(value: Any) -> str:
    """One line of plain text: every control character becomes a space."""
    return _CONTROL.sub(" ", str(value)).strip()


def display_name(name: str) -> str:
    """One line that no reader decodes into something else: an RFC 2047 encoded-word
    ("=?utf-8?q?=0D=0A...?=") would be decoded by Django's address check, and its CR LF
    make every mail to the user fail; "= ?" is no encoded-word."""
    return header_safe(name).replace("=?", "= ?")


def mailbox(name: str, address: str) -> str:
    """ "Name <addr>" built by the e-mail library; ValueError for a malformed address."""
    if _CONTROL.search(address):
        raise ValueError(address)
    try:
        return str(Address(display_name=display_name(name), addr_spec=address))
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


def _sla_kind(event: Event) -> str:
    from yunwei.sla.models import SlaRecord

    kind = event.data.get("sla")
    field = SlaRecord._meta.get_field("kind")
    return str(dict(field.flatchoices).get(kind, kind or ""))


def context(event: Event, user: Any, *, key: str, comment: Any) -> dict[str, Any]:
    """`comment`: the public reply the action made (quoted), or None."""
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
        "comment": comment,
        "public": event.data.get("public", True),
        "waiting": key == WAITING,
        "sla_kind": _sla_kind(event),
        "due_at": dt.datetime.fromisoformat(due_at) if due_at else None,
    }


def email_for(event: Event, user: Any, *, key: str, comment: Any = None) -> OutboundEmail:
    """The unsaved row: rendered now, under the recipient's language and time zone.
    `key`: the preference it was chosen by (WAITING words the subject so)."""
    ticket = event.obj
    with translation.override(user.language), timezone.override(user.timezone):
        values = context(event, user, key=key, comment=comment)
        subject = f"[{ticket.reference}] {ticket.title} — {subject_tail(key)}"
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
