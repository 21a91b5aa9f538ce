"""Periodic jobs run by `yunwei worker`.

Each periodic job is a plain function registered with `@periodic(seconds)`. Every worker
loop calls `run_due()`, which claims each due occurrence with a conditional UPDATE on
`Schedule.next_run_at`: with several workers, an occurrence runs once, and after
downtime it runs once (not once per missed interval).
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone

from yunwei.core.context import origin
from yunwei.core.models import Schedule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    function: Callable[[], object]


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(seconds: float) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(function: Callable[[], object]) -> Callable[[], object]:
        name = f"{function.__module__}.{function.__qualname__}"[-255:]
        REGISTRY[name] = PeriodicJob(name, dt.timedelta(seconds=seconds), function)
        return function

    return register


def _claim(job: PeriodicJob, now: dt.datetime) -> bool:
    schedule = Schedule.objects.filter(name=job.name).first()
    if schedule is None:
        try:
            Schedule.objects.create(name=job.name, next_run_at=now + job.every)
        except IntegrityError:  # another worker registered it first
            return False
        return True
    if schedule.next_run_at > now:
        return False
    claimed = Schedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
        next_run_at=now + job.every, last_run_at=now
    )
    return claimed == 1


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Run every periodic job whose time has come; returns the names that ran."""
    now = now or timezone.now()
    ran = []
    for job in REGISTRY.values():
        if not _claim(job, now):
            continue
        with origin("job"):
            try:
                job.function()
                error = ""
            except Exception:  # one failing job must not stop the others
                logger.exception("periodic job %s failed", job.name)
                error = traceback.format_exc(limit=5)
        Schedule.objects.filter(name=job.name).update(last_error=error)
        ran.append(job.name)
    return ran
