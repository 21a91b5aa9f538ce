"""Where a parsed message goes: who sent it, which ticket it answers, and then a new
ticket or a comment through the ticket actions (which check permissions and audit).

The From header proves nothing (anyone can write any address in it), so mail from the
service desk's own staff never speaks for them to a customer: it is rejected, or at
most becomes an internal note (YUNWEI_MAIL_STAFF_SENDERS).

Called inside the message's transaction by `actions.process_message`; anything raised
here quarantines the message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from yunwei.accounts import actions as account_actions
from yunwei.accounts.models import OrganizationKind, User
from yunwei.catalog.models import Service
from yunwei.inbound import loops, quoting
from yunwei.inbound.addresses import Sender
from yunwei.inbound.models import InboundMessage, InboundState, SenderDomain
from yunwei.inbound.parse import Attachment, ParsedMail
from yunwei.notifications import threading
from yunwei.portal.querysets import portal_tickets
from yunwei.tickets import actions as ticket_actions
from yunwei.tickets.actions.comments import MAX_BODY
from yunwei.tickets.models import Channel, Comment, LinkKind, Ticket, TicketState

_REFERENCE = re.compile(r"\[\s*((?:INC|REQ|PRB)-\d{6,})\s*\]", re.I)
_REPLY_PREFIX = re.compile(r"^(re|aw|fwd?|wg|回复|答复|回覆|答覆|转发|轉寄)\s*[:：]\s*", re.I)
# Our notifications' subjects: "[INC-000123] Printer offline — Resolved".
_OUR_SUBJECT = re.compile(r"^\[\s*(?:INC|REQ|PRB)-\d{6,}\s*\]\s*(?P<title>.*?)(\s+—\s+[^—]*)?$")
TITLE_MAX = 200


STAFF_REFUSED = (
    "mail from service-desk staff is no reply to the customer (its From header can be "
    "forged): staff answer in the web UI"
)


class AmbiguousSender(Exception):
    """Several active accounts share the sender's address."""


@dataclass
class Outcome:
    state: str
    reason: str = ""
    ticket: Ticket | None = None
    comment: Comment | None = None
    notes: list[str] = field(default_factory=list)


def own_addresses() -> set[str]:
    ours = [
        settings.DEFAULT_FROM_EMAIL,
        settings.NOTIFICATIONS_FROM_EMAIL,
        settings.NOTIFICATIONS_REPLY_TO,
        *settings.MAIL_OWN_ADDRESSES,
    ]
    return {parseaddr(address or "")[1].lower() for address in ours} - {""}


def deliver(row: InboundMessage, mail: ParsedMail) -> Outcome:
    automatic = loops.automatic_reason(
        mail.message,
        from_address=mail.from_address,
        own_addresses=own_addresses(),
        is_ours=threading.is_ours,
    )
    if automatic:
        return Outcome(InboundState.IGNORED, automatic)
    if mail.sender is None:
        return Outcome(InboundState.REJECTED, f"sender refused: {mail.sender_error}")
    user, refusal = sender_user(mail.sender)
    if user is None:
        return Outcome(InboundState.REJECTED, refusal)
    staff = user.is_provider_staff
    if staff and settings.MAIL_STAFF_SENDERS != "internal":
        return Outcome(InboundState.REJECTED, f"{STAFF_REFUSED} (YUNWEI_MAIL_STAFF_SENDERS=reject)")
    earlier = thread_ticket(row, mail, user)
    open_ticket = earlier if earlier is not None and earlier.state != TicketState.CLOSED else None
    try:
        if staff and open_ticket is None:
            return Outcome(InboundState.REJECTED, f"{STAFF_REFUSED}: it answers no open ticket")
        if open_ticket is not None:
            return _comment(open_ticket, user, mail, public=not staff, at=row.received_at)
        return _new_ticket(user, mail, closed=earlier, at=row.received_at)
    except PermissionDenied as denied:
        return Outcome(InboundState.REJECTED, f"{mail.sender.address}: {denied}")


# --- who ----------------------------------------------------------------------------------


def sender_user(sender: Sender) -> tuple[User | None, str]:
    """The active user with the sender's address; else a new contact when the setting
    and a sender domain allow it; else None and why."""
    users = list(User.objects.filter(email__iexact=sender.address).select_related("organization"))
    active = [user for user in users if user.is_active and user.organization.is_active]
    if len(active) > 1:
        raise AmbiguousSender(f"{len(active)} active accounts use {sender.address}")
    if active:
        return active[0], ""
    if users:
        return None, f"the account of {sender.address} or its organization is inactive"
    if settings.MAIL_UNKNOWN_SENDERS != "create":
        return None, f"unknown sender {sender.address} (YUNWEI_MAIL_UNKNOWN_SENDERS=reject)"
    domain = sender.address.rsplit("@", 1)[1]
    known = SenderDomain.objects.select_related("organization").filter(domain=domain).first()
    if known is None or not known.organization.is_active:
        return None, f"unknown sender {sender.address}: {domain} is no sender domain"
    if known.organization.kind != OrganizationKind.CUSTOMER:
        return None, f"unknown sender {sender.address}: {domain} is not a customer's domain"
    contact = account_actions.create_user(
        actor=None,
        email=sender.address,
        organization=known.organization,
        name=sender.name[:150],
        roles=["requester"],
    )
    return contact, ""


# --- which ticket -------------------------------------------------------------------------


def thread_ticket(row: InboundMessage, mail: ParsedMail, user: User) -> Ticket | None:
    """The ticket this message answers, if the sender may see it: our signed Message-ID
    in In-Reply-To/References, else "[INC-000123]" in the subject, else an earlier
    inbound message of the same thread."""
    candidates: list[Ticket | None] = []
    ticket_id = threading.ticket_id_from(mail.thread_ids)
    if ticket_id is not None:
        candidates.append(Ticket.objects.filter(pk=ticket_id).first())
    for reference in _REFERENCE.findall(mail.subject):
        candidates.append(Ticket.objects.filter(reference=reference.upper()).first())
    if mail.thread_ids:
        earlier = (
            InboundMessage.objects.filter(message_id__in=mail.thread_ids, ticket__isnull=False)
            .exclude(pk=row.pk)
            .select_related("ticket")
            .order_by("-received_at")
            .first()
        )
        candidates.append(earlier.ticket if earlier else None)
    # A customer's user reaches by mail what the portal shows them, no more.
    visible = Ticket.objects.visible_to(user) if user.is_provider_staff else portal_tickets(user)
    for ticket in candidates:
        if ticket is not None and visible.filter(pk=ticket.pk).exists():
            return ticket
    return None


# --- what ---------------------------------------------------------------------------------


def _capped(text: str, row_hint: str) -> str:
    if len(text) <= MAX_BODY:
        return text
    note = _("(Shortened: the whole message is kept with the inbound e-mail %(id)s.)")
    return text[: MAX_BODY - 200].rstrip() + "\n\n" + note % {"id": row_hint}


def _comment(
    ticket: Ticket, user: User, mail: ParsedMail, *, public: bool, at: dt.datetime
) -> Outcome:
    """A reply (public) or, from staff, an internal note."""
    body = quoting.new_text(mail.text)
    # Inline images the ticket holds already: the signature logo of every reply.
    known = set(ticket.attachments.values_list("sha256", flat=True))
    files = [f for f in mail.attachments if not (f.inline and _sha256(f) in known)]
    if not body and not files:
        return Outcome(InboundState.IGNORED, "the reply holds no new text", ticket=ticket)
    comment = ticket_actions.add_comment(
        ticket,
        actor=user,
        body=_capped(body, mail.message_id) or _("(Files only, see the attachments.)"),
        public=public,
        channel=Channel.EMAIL,
        at=at,
    )
    notes = _attach(ticket, user, files, comment)
    return Outcome(InboundState.COMMENT, ticket=ticket, comment=comment, notes=notes)


def default_service(user: User) -> Service:
    code = settings.MAIL_DEFAULT_SERVICE
    if code:
        service = Service.objects.filter(code=code).first()
        if service is None:
            raise ValidationError(
                {"service": f"YUNWEI_MAIL_DEFAULT_SERVICE names no service: {code}"}
            )
        return service
    subscribed = list(
        Service.objects.filter(organizations=user.organization_id).exclude(status="retired")[:2]
    )
    if len(subscribed) != 1:
        raise ValidationError(
            {
                "service": f"{user.organization} subscribes to {len(subscribed)} or more "
                "services: set YUNWEI_MAIL_DEFAULT_SERVICE to the service of e-mailed tickets"
            }
        )
    return subscribed[0]


def _title(subject: str) -> str:
    """The subject without "Re:"/"回复:"/"Fw:" prefixes, and, when it is one of our
    notifications' subjects, without its "[INC-000123]" tag and " — event" tail."""
    title = re.sub(r"\s+", " ", subject).strip()
    while prefix := _REPLY_PREFIX.match(title):
        title = title[prefix.end() :]
    if ours := _OUR_SUBJECT.match(title):
        title = ours.group("title")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title or _("(no subject)")


def _new_ticket(user: User, mail: ParsedMail, *, closed: Ticket | None, at: dt.datetime) -> Outcome:
    # A new mail keeps its whole text (a forwarded message is the substance); a reply
    # to a closed ticket only what is new.
    text = mail.text if closed is None else quoting.new_text(mail.text)
    if closed is not None and not text and not mail.attachments:
        return Outcome(InboundState.IGNORED, "the reply holds no new text", ticket=closed)
    ticket = ticket_actions.create_ticket(
        actor=user,
        title=_title(mail.subject),
        service=default_service(user),
        channel=Channel.EMAIL,
        description=_capped(text, mail.message_id),
        at=at,
    )
    notes = []
    if closed is not None:
        # A reply to a closed ticket opens a new one that points back to it.
        ticket_actions.link_tickets(ticket, closed, actor=None, kind=LinkKind.RELATED)
        notes.append(f"follows the closed ticket {closed.reference}")
    notes += _attach(ticket, user, mail.attachments, None)
    return Outcome(InboundState.TICKET, ticket=ticket, notes=notes)


def _sha256(file: Attachment) -> str:
    return hashlib.sha256(file.data).hexdigest()


def _attach(
    ticket: Ticket, user: User, files: Iterable[Attachment], comment: Comment | None
) -> list[str]:
    """Stores each file through the ticket action; a refused one is noted, not fatal."""
    notes = []
    for file in files:
        try:
            ticket_actions.add_attachment(
                ticket, actor=user, name=file.name, stream=io.BytesIO(file.data), comment=comment
            )
        except (ValidationError, PermissionDenied) as refused:
            text = "; ".join(getattr(refused, "messages", [str(refused)]))
            notes.append(f"attachment {file.name} refused: {text}")
    return notes
