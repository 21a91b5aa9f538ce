"""Every change to calendars, agreements, SLA records and outages — the only writers,
one module per aggregate."""

from yunwei.sla.actions.agreements import (
    AGREEMENT_FIELDS,
    DEFAULT_PAUSE_STATES,
    create_agreement,
    delete_agreement,
    update_agreement,
)
from yunwei.sla.actions.calendars import (
    CALENDAR_FIELDS,
    china_exceptions,
    create_calendar,
    delete_calendar,
    import_china_holidays,
    update_calendar,
)
from yunwei.sla.actions.outages import OUTAGE_FIELDS, delete_outage, record_outage, update_outage
from yunwei.sla.actions.records import (
    DEFAULT_TARGETS,
    change_agreement,
    change_priority,
    pause_records,
    reopen_records,
    resume_records,
    start_records,
    stop_records,
)

__all__ = [
    "AGREEMENT_FIELDS",
    "CALENDAR_FIELDS",
    "DEFAULT_PAUSE_STATES",
    "DEFAULT_TARGETS",
    "OUTAGE_FIELDS",
    "change_agreement",
    "change_priority",
    "china_exceptions",
    "create_agreement",
    "create_calendar",
    "delete_agreement",
    "delete_calendar",
    "delete_outage",
    "import_china_holidays",
    "pause_records",
    "record_outage",
    "reopen_records",
    "resume_records",
    "start_records",
    "stop_records",
    "update_agreement",
    "update_calendar",
    "update_outage",
]
