"""The worker's side: send one e-mail as soon as its event committed."""

from __future__ import annotations

from django_tasks import task

from yunwei.core import outbox
from yunwei.notifications.models import OutboundEmail
from yunwei.notifications.sending import deliver


@task()
def send_email(pk: int) -> bool:
    """False when the row is not due or another worker holds it (the sweep retries)."""
    item = outbox.claim(OutboundEmail, pk)
    if item is None:
        return False
    deliver(item)
    return True
