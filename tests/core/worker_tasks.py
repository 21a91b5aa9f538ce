"""Jobs for the worker tests (test_workers.py), run by real `yunwei worker` processes:
each records its run by appending one line to a file (O_APPEND: lines never interleave)."""

from __future__ import annotations

import time

from django_tasks import TaskContext, TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

# Seconds a job waits for the other workers before running anyway (the test then fails
# its "both workers did work" assertion, it does not hang).
RENDEZVOUS_SECONDS = 20.0
_met: set[int] = set()


def _record(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as runs:
        runs.write(line + "\n")


def _wait_for_workers(count: int) -> None:
    """Until `count` workers have each claimed a job: then they all race for the rest."""
    deadline = time.monotonic() + RENDEZVOUS_SECONDS
    while count not in _met and time.monotonic() < deadline:
        claims = DBTaskResult.objects.exclude(status=TaskResultStatus.READY)
        if len({ids[-1] for ids in claims.values_list("worker_ids", flat=True)}) >= count:
            _met.add(count)
        else:
            time.sleep(0.01)


@task(takes_context=True)
def record_run(context: TaskContext, path: str, number: int, rendezvous: int = 0) -> None:
    if rendezvous:
        _wait_for_workers(rendezvous)
    _record(path, f"{number} {context.task_result.worker_ids[-1]}")


@task(takes_context=True)
def hang_on_first_attempt(context: TaskContext, path: str) -> None:
    """Stands for a long job whose worker is killed in the middle of it."""
    _record(path, f"attempt {context.attempt} {context.task_result.worker_ids[-1]}")
    if context.attempt == 1:
        time.sleep(120)
    _record(path, "done")
