"""Handing a claimed outbox row to Django's e-mail backend (SMTP from YUNWEI_EMAIL_URL),
and telling lasting failures from passing ones: a 5xx refusal of the recipient or the
message will not change by retrying; a dropped connection or a 4xx "try later" will."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from yunwei.core import outbox
from yunwei.notifications.compose import header_safe, mailbox
from yunwei.notifications.models import OutboundEmail


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


def deliver(item: OutboundEmail) -> None:
    """Sends a claimed row and records the outcome on it (see core/outbox.py)."""
    try:
        connection = get_connection(timeout=settings.NOTIFICATIONS_SMTP_TIMEOUT)
        message(item, connection).send()
    except (smtplib.SMTPException, OSError, ValueError) as error:
        outbox.failed(item, f"{type(error).__name__}: {error}", permanent=_permanent(error))
    else:
        outbox.succeeded(item)
