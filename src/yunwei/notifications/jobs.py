"""The sweep: mail whose first try failed, or whose worker died mid-send."""

from __future__ import annotations

from yunwei.core import outbox
from yunwei.core.schedule import periodic
from yunwei.notifications.models import OutboundEmail
from yunwei.notifications.sending import deliver


@periodic(seconds=30)
def send_due_email() -> int:
    return outbox.send_due(OutboundEmail, deliver)
