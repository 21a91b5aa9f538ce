from __future__ import annotations

from typing import Any

import pytest

from yunwei.catalog import actions as catalog_actions
from yunwei.sla import actions

WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def office_calendar(db: Any) -> Any:
    """Mon–Fri 09:00–18:00 Asia/Shanghai with China's 2026 holidays and working Saturdays."""
    calendar = actions.create_calendar(actor=None, name="Office hours", hours=WEEKDAYS_9_TO_6)
    return actions.import_china_holidays(calendar, actor=None, years=[2026])


@pytest.fixture
def service(customer: Any) -> Any:
    return catalog_actions.create_service(
        actor=None,
        code="desktop",
        name_zh="桌面运维",
        name_en="Desktop support",
        category="operations",
        organizations=[customer],
    )


@pytest.fixture
def agreement(service: Any, office_calendar: Any) -> Any:
    return actions.create_agreement(
        actor=None, name="Desktop SLA", service=service, calendar=office_calendar
    )
