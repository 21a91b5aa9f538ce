from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from yunwei.core import schedule
from yunwei.core.models import Schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(monkeypatch: Any) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(schedule, "REGISTRY", {})
    schedule.periodic(60)(lambda: calls.append(1))
    return calls


def test_a_periodic_job_runs_once_per_occurrence_whatever_the_number_of_workers(
    counter: list[int],
) -> None:
    now = timezone.now()
    schedule.run_due(now)  # first sight registers and runs it
    assert len(counter) == 1
    # Two workers wake at the same instant after the interval: one runs it.
    later = now + dt.timedelta(seconds=61)
    schedule.run_due(later)
    schedule.run_due(later)
    assert len(counter) == 2


def test_after_downtime_a_periodic_job_runs_once_not_once_per_missed_interval(
    counter: list[int],
) -> None:
    now = timezone.now()
    schedule.run_due(now)
    schedule.run_due(now + dt.timedelta(hours=5))
    schedule.run_due(now + dt.timedelta(hours=5, seconds=1))
    assert len(counter) == 2


def test_a_failing_job_records_its_error_and_does_not_stop_the_others(monkeypatch: Any) -> None:
    monkeypatch.setattr(schedule, "REGISTRY", {})
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("disk full")

    schedule.periodic(60)(broken)
    schedule.periodic(60)(lambda: ran.append("ok"))
    schedule.run_due()
    assert ran == ["ok"]
    assert "disk full" in Schedule.objects.get(name__endswith="broken").last_error
