"""Handing a claimed outbox row to Django's e-mail backend (SMTP from YUNWEI_EMAIL_URL),
and telling lasting failures from passing ones: a 5xx refusal of the recipient or the
message will not change by retrying; a dropped connection or a 4xx "try later" will.
The sweep sends its batch over one connection and stops when the server cannot be
reached, so a dead mail server costs one time-out per sweep, not one per message."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from yunwei.core import outbox
from yunwei.notifications.compose import header_safe, mailbox
from yunwei.notifications.models import OutboundEmail

logger = logging.getLogger(__name__)


def message(item: OutboundEmail, connection: object = None) -> EmailMultiAlternatives:
    name = item.recipient.name if item.recipient else ""
    headers = {
        "Message-ID": header_safe(item.message_id),
        "Auto-Submitted": "auto-generated",
        # Out-of-office replies to a notification would come back as comments.
        "X-Auto-Response-Suppress": "All",
    }
    if item.in_reply_to:
        headers["In-Reply-To"] = header_safe(item.in_reply_to)
    if item.references:
        headers["References"] = header_safe(item.references)
    if item.ticket_reference:
        headers["X-Yunwei-Ticket"] = header_safe(item.ticket_reference)
    reply_to = settings.NOTIFICATIONS_REPLY_TO
    mail = EmailMultiAlternatives(
        subject=header_safe(item.subject),
        body=item.body_text,
        from_email=settings.NOTIFICATIONS_FROM_EMAIL,
        to=[mailbox(name, item.address)],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
        connection=connection,
    )
    if item.body_html:
        mail.attach_alternative(item.body_html, "text/html")
    return mail


def _permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    # Malformed data of our own (an address the library refuses): trying again is useless.
    return isinstance(error, ValueError)


def unreachable(error: Exception) -> bool:
    """The server, not this message, is the trouble: the next message would fare alike."""
    if isinstance(
        error,
        (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPAuthenticationError),
    ):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421  # "service not available, closing the channel"
    # smtplib's errors are OSErrors too; the rest are sockets: refused, reset, time-out.
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def open_connection() -> Any:
    return get_connection(timeout=settings.NOTIFICATIONS_SMTP_TIMEOUT)


def deliver(item: OutboundEmail, connection: Any = None) -> bool:
    """Sends a claimed row (over `connection`, kept open, or a connection of its own) and
    records the outcome on it (see core/outbox.py). False when the server could not be
    reached."""
    try:
        if connection is None:
            open_connection().send_messages([message(item)])
        else:
            connection.open()  # once: the backend then leaves it open between messages
            connection.send_messages([message(item, connection)])
    except Exception as error:  # whatever it is, the row must not stay leased
        if not isinstance(error, (smtplib.SMTPException, OSError, ValueError)):
            logger.exception("Sending outgoing e-mail %s failed", item.pk)
        outbox.failed(item, f"{type(error).__name__}: {error}", permanent=_permanent(error))
        return not unreachable(error)
    outbox.succeeded(item)
    return True


def send_batch(limit: int = 200) -> int:
    """The sweep: sends the due rows over one connection, each claimed only when its turn
    comes, and stops at the first sign that the server cannot be reached (the rest stay
    due and untouched, no attempt spent, for the next sweep). Returns how many were
    tried."""
    try:
        connection = open_connection()
    except Exception:  # a mistyped EMAIL_BACKEND: the send task records it
        logger.exception("The e-mail backend cannot be loaded")
        return 0
    tried = 0
    try:
        for pk in outbox.due_ids(OutboundEmail, limit=limit):
            item = outbox.claim(OutboundEmail, pk)
            if item is None:
                continue  # another worker has it
            tried += 1
            if not deliver(item, connection):
                break
    finally:
        # Every outcome is recorded by now; a failed goodbye to the server changes nothing.
        with contextlib.suppress(Exception):
            connection.close()
    return tried
