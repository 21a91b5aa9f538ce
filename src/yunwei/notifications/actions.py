"""Every change to notifications, preferences and outgoing mail (the listener only adds
rows in the event's transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import make_msgid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.accounts.models import User
from yunwei.core import audit, outbox
from yunwei.core.changes import StateConflict
from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.notifications import preferences, threading
from yunwei.notifications.models import (
    Notification,
    NotificationPreference,
    NotifyChannel,
    OutboundEmail,
)
from yunwei.notifications.tasks import send_email


@transaction.atomic
def mark_read(notification: Notification, *, actor: User) -> Notification:
    require_visible(actor, notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=notification,
            changes={"read_at": [None, notification.read_at]},
            internal=True,
        )
    return notification


@transaction.atomic
def mark_all_read(*, actor: User) -> int:
    unread = Notification.objects.visible_to(actor).unread()
    now = timezone.now()
    count = unread.update(read_at=now)
    if count:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=actor,
            changes={"unread_notifications": [count, 0]},
            internal=True,
        )
    return count


def _check_choices(user: User, choices: Mapping[tuple[str, str], bool]) -> None:
    allowed = set(preferences.events_for(user))
    for event, channel in choices:
        if event not in allowed:
            raise ValidationError({"event": _("Unknown event: %(event)s.") % {"event": event}})
        if channel not in NotifyChannel.values:
            raise ValidationError(
                {"channel": _("Unknown channel: %(channel)s.") % {"channel": channel}}
            )


@transaction.atomic
def set_preferences(
    user: User, *, actor: User | None, choices: Mapping[tuple[str, str], bool]
) -> dict[str, list[Any]]:
    """Sets the user's choice per (event, channel); returns what changed. A choice equal
    to the default is not stored (a stored one is dropped), so the defaults keep
    applying where the user did not differ. Only the user themself (or the system)."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("You are not allowed to do this."))
    _check_choices(user, choices)
    before = {
        (row["event"], ch): row[ch] for row in preferences.grid(user) for ch in NotifyChannel.values
    }
    changed: dict[str, list[Any]] = {}
    for (event, channel), enabled in sorted(choices.items()):
        enabled = bool(enabled)
        rows = NotificationPreference.objects.filter(user=user, event=event, channel=channel)
        if enabled == preferences.default(user, event, channel):
            rows.delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=user, event=event, channel=channel, defaults={"enabled": enabled}
            )
        if before[(event, channel)] != enabled:
            changed[f"{event}:{channel}"] = [before[(event, channel)], enabled]
    if changed:
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=user, changes=changed)
    return changed


def _fresh_message_id(item: OutboundEmail) -> str:
    ticket_id = item.ticket_id or threading.ticket_id_from([item.message_id])
    if ticket_id is not None:
        return threading.new_message_id(ticket_id)
    return make_msgid(domain=threading.mail_domain())


@transaction.atomic
def resend_email(item: OutboundEmail, *, actor: User | None) -> OutboundEmail:
    """Another round of attempts for a failed or sent message. A failed one keeps its
    Message-ID (it may have got through); a sent one gets a new one, or the receiving
    mail service (Gmail…) drops the copy as a duplicate of what it already has."""
    require_permission(actor, "notifications.change_outboundemail")
    require_visible(actor, item)
    if item.state == outbox.OutboxState.PENDING:
        raise StateConflict({"state": _("This message is still waiting to be sent.")})
    changes: dict[str, list[Any]] = {
        "state": [item.state, outbox.OutboxState.PENDING],
        "resent": [None, True],
    }
    if item.state == outbox.OutboxState.SENT:
        message_id = _fresh_message_id(item)
        changes["message_id"] = [item.message_id, message_id]
        OutboundEmail.objects.filter(pk=item.pk).update(message_id=message_id)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=item, changes=changes, internal=True)
    outbox.retry(item)
    enqueue_on_commit(send_email, pk=item.pk)
    item.refresh_from_db()
    return item
