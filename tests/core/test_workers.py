"""Several `yunwei worker` processes on one database (core/workers.py, the worker command):
a job runs once whatever the number of workers, and the job of a killed worker is run
by another. The processes are real, on the test database (a file copy on SQLite)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.core import worker_tasks
from yunwei.core import workers
from yunwei.core.models import AuditEntry, WorkerHeartbeat

REPO = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30


@contextlib.contextmanager
def shared_database(directory: Path) -> Iterator[str]:
    """The test database as a URL that other processes open, for the time of the block.

    PostgreSQL: the test database itself. SQLite: the test database lives in this
    process's memory, so the workers get a file copy, copied back after the block
    (the test does not touch the database inside it)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        yield f"postgresql://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        return
    path = directory / "shared.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)
    yield f"sqlite:///{path}"
    with contextlib.closing(sqlite3.connect(path)) as copy:
        copy.backup(connection.connection)


def start_worker(url: str, directory: Path, name: str, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUNWEI_")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "yunwei.settings",
        "YUNWEI_DATABASE_URL": url,
        "YUNWEI_DATA_DIR": str(directory),
        "YUNWEI_SECRET_KEY": settings.SECRET_KEY,
        "YUNWEI_AUDIT_KEY": settings.AUDIT_KEY,  # the workers extend this test's chain
        "YUNWEI_AUDIT_ANCHOR": "",
        "YUNWEI_WORKER_POLL_SECONDS": "0.05",
        "YUNWEI_WORKER_DEAD_SECONDS": "2",
        "YUNWEI_LOG_LEVEL": "WARNING",
    }
    log = (directory / f"{name}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "yunwei.cli", "worker", *args],
        cwd=REPO,  # where `tests.core.worker_tasks` imports from
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def logs(directory: Path) -> str:
    return "\n".join(f"{p.name}:\n{p.read_text()}" for p in sorted(directory.glob("*.log")))


def wait_until(
    condition: Callable[[], bool], worker: subprocess.Popen[str], directory: Path
) -> None:
    """Polls `condition` while `worker` runs (bounded: a broken worker fails the test)."""
    deadline = timezone.now() + dt.timedelta(seconds=WAIT_SECONDS)
    while not condition():
        assert worker.poll() is None, logs(directory)
        assert timezone.now() < deadline, logs(directory)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=0.05)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_two_workers_never_run_the_same_job_twice(tmp_path: Path, audit_flushable: Any) -> None:
    runs = tmp_path / "runs.txt"
    jobs = [
        worker_tasks.record_run.enqueue(path=str(runs), number=number, rendezvous=2)
        for number in range(200)
    ]
    with shared_database(tmp_path) as url:
        pair = [start_worker(url, tmp_path, f"worker-{n}", "--once") for n in (1, 2)]
        assert [worker.wait(timeout=60) for worker in pair] == [0, 0], logs(tmp_path)

    recorded = [line.split() for line in lines(runs)]
    assert sorted(int(number) for number, _worker in recorded) == list(range(200))
    per_worker = Counter(worker_id for _number, worker_id in recorded)
    assert len(per_worker) == 2, per_worker  # both did work
    results = DBTaskResult.objects.filter(pk__in=[job.id for job in jobs])
    assert sorted({(r.status, len(r.worker_ids)) for r in results}) == [("SUCCESSFUL", 1)]
    assert Counter(r.worker_ids[0] for r in results) == per_worker
    assert not WorkerHeartbeat.objects.exists()  # both stopped cleanly


def test_the_job_of_a_killed_worker_is_run_again_by_another(
    tmp_path: Path, audit_flushable: Any
) -> None:
    runs = tmp_path / "runs.txt"
    job = worker_tasks.hang_on_first_attempt.enqueue(path=str(runs))
    with shared_database(tmp_path) as url:
        first = start_worker(url, tmp_path, "killed")
        try:
            wait_until(lambda: bool(lines(runs)), first, tmp_path)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        second = start_worker(url, tmp_path, "survivor")
        try:
            wait_until(lambda: "done" in lines(runs), second, tmp_path)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0, logs(tmp_path)

    killed, survivor = DBTaskResult.objects.get(pk=job.id).worker_ids
    assert lines(runs) == [f"attempt 1 {killed}", f"attempt 2 {survivor}", "done"]
    assert DBTaskResult.objects.get(pk=job.id).status == TaskResultStatus.SUCCESSFUL
    entry = AuditEntry.objects.get(object_type=DBTaskResult._meta.label_lower)
    assert (entry.object_id, entry.changes, entry.source) == (
        str(job.id),
        {"status": ["RUNNING", "READY"]},
        "job",
    )
    assert not WorkerHeartbeat.objects.exists()  # the dead one forgotten, the other stopped


# --- reclaiming, in this process -------------------------------------------------------


def running_job(worker_id: str, *, attempts: int = 1) -> DBTaskResult:
    """A job claimed by `worker_id` longer ago than a worker may stay silent."""
    result = worker_tasks.record_run.enqueue(path="/dev/null", number=0)
    job = DBTaskResult.objects.get(pk=result.id)
    for attempt in range(1, attempts + 1):
        job.claim(worker_id if attempt == attempts else f"earlier-{attempt}")
    started = timezone.now() - dt.timedelta(seconds=settings.WORKER_DEAD_SECONDS + 5)
    DBTaskResult.objects.filter(pk=job.pk).update(started_at=started)
    job.refresh_from_db()
    return job


def heartbeat(worker_id: str, seconds_ago: float) -> None:
    seen = timezone.now() - dt.timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="host", pid=1, started_at=seen, last_seen=seen
    )


@pytest.mark.django_db
def test_a_silent_workers_job_goes_back_in_the_queue_and_a_live_workers_stays() -> None:
    heartbeat("dead", seconds_ago=settings.WORKER_DEAD_SECONDS + 1)
    heartbeat("alive", seconds_ago=1)
    lost, busy = running_job("dead"), running_job("alive")

    assert workers.reclaim() == [str(lost.pk)]

    lost.refresh_from_db()
    busy.refresh_from_db()
    assert (lost.status, busy.status) == ("READY", "RUNNING")
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
    entry = AuditEntry.objects.get(object_type=DBTaskResult._meta.label_lower)
    assert entry.object_id == str(lost.pk)
    assert entry.object_repr == "tests.core.worker_tasks.record_run (dead)"
    assert workers.reclaim() == []  # nothing more to do, nothing recorded twice


@pytest.mark.django_db
def test_a_job_whose_worker_left_no_heartbeat_is_reclaimed_once_it_is_old_enough() -> None:
    # The worker stopped on an exception (its row deleted) with the job still running.
    orphan = running_job("gone")
    fresh = worker_tasks.record_run.enqueue(path="/dev/null", number=1)
    DBTaskResult.objects.get(pk=fresh.id).claim("gone-too")  # just claimed: not yet

    assert workers.reclaim() == [str(orphan.pk)]
    assert DBTaskResult.objects.get(pk=fresh.id).status == "RUNNING"


@pytest.mark.django_db
def test_a_job_whose_worker_died_at_every_attempt_fails_instead_of_killing_the_next() -> None:
    heartbeat("dead", seconds_ago=settings.WORKER_DEAD_SECONDS + 1)
    job = running_job("dead", attempts=workers.MAX_ATTEMPTS)

    workers.reclaim()

    job.refresh_from_db()
    assert job.status == "FAILED"
    assert job.exception_class_path == "yunwei.core.workers.WorkerLost"
    assert job.finished_at is not None
    entry = AuditEntry.objects.get(object_type=DBTaskResult._meta.label_lower)
    assert entry.changes == {"status": ["RUNNING", "FAILED"]}
