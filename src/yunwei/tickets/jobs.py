"""Background work of the service desk."""

from __future__ import annotations

from yunwei.core.schedule import periodic
from yunwei.tickets import actions


@periodic(seconds=3600)
def close_resolved_tickets() -> int:
    """Closes tickets left resolved beyond YUNWEI_TICKET_AUTO_CLOSE_DAYS."""
    return actions.close_resolved_tickets()
