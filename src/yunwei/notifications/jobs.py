"""The sweep: mail whose first try failed, or whose worker died mid-send."""

from __future__ import annotations

from yunwei.core.schedule import periodic
from yunwei.notifications.sending import send_batch


@periodic(seconds=30)
def send_due_email() -> int:
    return send_batch()
