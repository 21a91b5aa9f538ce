"""Background work of webhooks: the sweep that retries and recovers deliveries."""

from __future__ import annotations

from yunwei.core.schedule import periodic
from yunwei.webhooks import delivery


@periodic(seconds=30)
def send_due_deliveries() -> int:
    return delivery.send_due()
