"""Background work of inbound e-mail, run by `yunwei worker`."""

from __future__ import annotations

from django.conf import settings

from yunwei.core.schedule import periodic
from yunwei.inbound import actions, mailboxes


@periodic(seconds=settings.MAIL_FETCH_SECONDS)
def fetch_mail() -> int:
    """Empties the mailboxes of YUNWEI_MAIL_INBOXES (when there are any) and processes
    every message still waiting — also those an MTA pipe stored but could not process."""
    if settings.MAIL_INBOXES:
        mailboxes.fetch_all()  # processes what it stored
        return 0
    return actions.process_received()
