"""Background work of SLAs: checking records at their instants, and a catch-up sweep."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import task

from yunwei.core.schedule import periodic
from yunwei.sla import escalation
from yunwei.sla.models import SlaRecord

logger = logging.getLogger(__name__)


@task()
def check_sla_record(record_id: int) -> list[str]:
    return escalation.check(record_id)


@periodic(seconds=60)
def sweep_sla_records() -> int:
    """Checks every open record whose instant passed — after downtime, or when a timed
    check was lost. Each escalation still fires only once."""
    due = SlaRecord.objects.open().filter(next_check_at__lte=timezone.now())
    ids = list(due.order_by("next_check_at").values_list("pk", flat=True)[:5000])
    for record_id in ids:
        try:
            escalation.check(record_id)
        except Exception:  # one broken record must not starve the others
            logger.exception("SLA record %s could not be checked; retrying in an hour", record_id)
            SlaRecord.objects.filter(pk=record_id).update(
                next_check_at=timezone.now() + dt.timedelta(hours=1)
            )
    return len(ids)
