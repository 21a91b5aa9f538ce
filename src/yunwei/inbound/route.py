"""Where a parsed message goes: who sent it, which ticket it answers, and then a new
ticket or a comment through the ticket actions (which check permissions and audit).

Called inside the message's transaction by `actions.process_message`; anything raised
here quarantines the message.
"""

from __future__ import annotations

import io
import re
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
from yunwei.tickets import actions as ticket_actions
from yunwei.tickets.actions.comments import MAX_BODY
from yunwei.tickets.models import Channel, Comment, LinkKind, Ticket, TicketState

_REFERENCE = re.compile(r"\[\s*((?:INC|REQ|PRB)-\d{6,})\s*\]", re.I)
TITLE_MAX = 200


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
    addresses = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    addresses |= {address.lower() for address in settings.MAIL_OWN_ADDRESSES}
    return addresses - {""}


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
    earlier = thread_ticket(row, mail, user)
    try:
        if earlier is not None and earlier.state != TicketState.CLOSED:
            return _comment(earlier, user, mail)
        return _new_ticket(user, mail, closed=earlier)
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
    visible = Ticket.objects.visible_to(user)
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


def _comment(ticket: Ticket, user: User, mail: ParsedMail) -> Outcome:
    body = quoting.new_text(mail.text)
    if not body and not mail.attachments:
        return Outcome(InboundState.IGNORED, "the reply holds no new text", ticket=ticket)
    comment = ticket_actions.add_comment(
        ticket,
        actor=user,
        body=_capped(body, mail.message_id) or _("(Files only, see the attachments.)"),
        public=True,
        channel=Channel.EMAIL,
    )
    notes = _attach(ticket, user, mail.attachments, comment)
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
    title = re.sub(r"\s+", " ", subject).strip()
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title or _("(no subject)")


def _new_ticket(user: User, mail: ParsedMail, *, closed: Ticket | None) -> Outcome:
    ticket = ticket_actions.create_ticket(
        actor=user,
        title=_title(mail.subject),
        service=default_service(user),
        channel=Channel.EMAIL,
        description=_capped(mail.text, mail.message_id),
        at=None,
    )
    notes = []
    if closed is not None:
        # A reply to a closed ticket opens a new one that points back to it.
        ticket_actions.link_tickets(ticket, closed, actor=None, kind=LinkKind.RELATED)
        notes.append(f"follows the closed ticket {closed.reference}")
    notes += _attach(ticket, user, mail.attachments, None)
    return Outcome(InboundState.TICKET, ticket=ticket, notes=notes)


def _attach(
    ticket: Ticket, user: User, files: tuple[Attachment, ...], comment: Comment | None
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
