"""Two services with their agreements, and a builder of SLA records as fixture rows (the
report reads records; how the clock produced them is the sla app's business and tested
there)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType

from yunwei.catalog import actions as catalog_actions
from yunwei.sla import actions as sla_actions
from yunwei.sla.models import SlaRecord
from yunwei.tickets.models import Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
# "Now" in these tests: mid-April 2026, so the default twelve months are 2025-05..2026-04.
NOW = dt.datetime(2026, 4, 15, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def calendar(db: Any) -> Any:
    return sla_actions.create_calendar(actor=None, name="Around the clock")


@pytest.fixture
def desktop(customer: Any, calendar: Any) -> Any:
    service = catalog_actions.create_service(
        actor=None,
        code="desktop",
        name_zh="桌面运维",
        name_en="Desktop support",
        category="operations",
        organizations=[customer],
    )
    sla_actions.create_agreement(actor=None, name="Desktop SLA", service=service, calendar=calendar)
    return service


@pytest.fixture
def network(customer: Any, other_customer: Any, calendar: Any) -> Any:
    service = catalog_actions.create_service(
        actor=None,
        code="network",
        name_zh="网络运维",
        name_en="Network operations",
        category="operations",
        organizations=[customer, other_customer],
    )
    sla_actions.create_agreement(actor=None, name="Network SLA", service=service, calendar=calendar)
    return service


_object_ids = itertools.count(1)


@pytest.fixture
def record(db: Any) -> Any:
    """record(service, organization, kind, state, started, due=None, breached_at=None)."""

    def make(
        service: Any,
        organization: Any,
        kind: str,
        state: str,
        started: dt.datetime,
        due: dt.datetime | None = None,
        breached_at: dt.datetime | None = None,
        tracked: type = Ticket,
    ) -> SlaRecord:
        agreement = service.agreements.get()
        return SlaRecord.objects.create(
            content_type=ContentType.objects.get_for_model(tracked),
            object_id=next(_object_ids),
            organization_id=organization.pk,
            agreement=agreement,
            agreement_version=agreement.version,
            calendar=agreement.calendar,
            kind=kind,
            priority="general",
            target_minutes=120,
            state=state,
            started_at=started,
            due_at=due,
            breached_at=breached_at,
        )

    return make
