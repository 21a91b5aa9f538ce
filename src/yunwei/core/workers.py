"""Worker liveness, and the jobs of workers that died.

django-tasks-db claims a job in one transaction — `SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL, an exclusive write transaction on SQLite — that marks it RUNNING with the
worker's id, so two workers never take the same job. But nothing looks at a RUNNING job
again: one whose worker was killed (SIGKILL, out of memory, a lost machine) would stay
RUNNING for ever. The library (0.13) has no lease or heartbeat, hence this module:

- each `yunwei worker` keeps a `WorkerHeartbeat` row fresh from a thread (so a long job
  does not make it look dead) and deletes the row when it stops cleanly;
- a periodic job puts the RUNNING jobs of workers silent for YUNWEI_WORKER_DEAD_SECONDS
  back in the queue, with an audit entry; a job claimed MAX_ATTEMPTS times is marked
  failed instead, so a job that kills its worker does not kill every worker in turn.

A job may thus run twice (when its worker was stalled, not dead), which every job
allows: outbox rows are leased and carry idempotency keys, SLA checks and escalations
fire once, audit sealing is a conditional chain update.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from yunwei.core import audit
from yunwei.core.models import AuditAction, WorkerHeartbeat
from yunwei.core.schedule import periodic

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# A worker beats four times per dead-worker period: one late beat is not a death.
BEAT_SECONDS = settings.WORKER_DEAD_SECONDS / 4


class WorkerLost(Exception):
    """Recorded on a job given up because its worker died during each attempt."""


def new_worker_id() -> str:
    """Unique across machines, and says where the worker ran: host-pid-random."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"


class Heartbeat:
    """This worker's `WorkerHeartbeat` row, kept fresh by a daemon thread."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._beat()  # registered before the first job is claimed
        self._thread.start()

    def stop(self) -> None:
        """A clean exit: no job of ours is left running, so none is to be reclaimed."""
        self._stopped.set()
        self._thread.join()
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    def _beat(self) -> None:
        now = Now()  # the database's clock, which every machine shares
        if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(last_seen=now):
            # The first beat, or we were stalled long enough to be declared dead.
            WorkerHeartbeat.objects.create(
                worker_id=self.worker_id,
                hostname=socket.gethostname()[:255],
                pid=os.getpid(),
                started_at=now,
                last_seen=now,
            )

    def _run(self) -> None:
        try:
            while not self._stopped.wait(BEAT_SECONDS):
                close_old_connections()
                try:
                    self._beat()
                except DatabaseError:  # the database is away: the next beat tries again
                    logger.exception("worker %s could not record its heartbeat", self.worker_id)
        finally:
            connection.close()  # this thread's own connection


@periodic(seconds=BEAT_SECONDS)
def reclaim_jobs_of_dead_workers() -> int:
    return len(reclaim())


def reclaim(*, now: dt.datetime | None = None) -> list[str]:
    """Requeues (or, after MAX_ATTEMPTS, fails) the running jobs started over
    WORKER_DEAD_SECONDS ago whose worker has not beaten since (or has no heartbeat row
    any more: it stopped on an exception, or was forgotten as dead and then lost its
    next job), and forgets silent workers; returns the ids of the jobs handled.

    Heartbeats are written and compared in the database's time, so clocks that differ
    between machines cannot make a live worker look dead."""
    period = dt.timedelta(seconds=settings.WORKER_DEAD_SECONDS)
    cutoff = Now() - period if now is None else now - period
    live = set(
        WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list("worker_id", flat=True)
    )
    running = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .only("id", "worker_ids", "started_at", "task_path")
    )
    handled = [
        str(job.pk)
        for job in running
        if job.worker_ids
        and job.worker_ids[-1] not in live
        and _release(job, now or timezone.now())
    ]
    WorkerHeartbeat.objects.filter(last_seen__lt=cutoff).delete()
    return handled


def _release(job: DBTaskResult, now: dt.datetime) -> bool:
    worker_id = job.worker_ids[-1]
    attempts = len(job.worker_ids)
    give_up = attempts >= MAX_ATTEMPTS
    outcome = TaskResultStatus.FAILED if give_up else TaskResultStatus.READY
    fields: dict[str, object] = {"status": outcome}
    if give_up:
        fields |= {
            "finished_at": now,
            "exception_class_path": f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            "traceback": f"The worker died during each of {attempts} attempts; "
            f"the last was {worker_id}.",
        }
    with transaction.atomic():
        # Conditional on the claim we saw: a job that finished meanwhile is left alone.
        released = DBTaskResult.objects.filter(
            pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at
        ).update(**fields)
        if not released:
            return False
        audit.record(
            actor=None,
            action=AuditAction.UPDATE,
            object_type=DBTaskResult._meta.label_lower,
            object_id=str(job.pk),
            object_repr=f"{job.task_path} ({worker_id})",
            changes={"status": [TaskResultStatus.RUNNING, outcome]},
            internal=True,
        )
    logger.warning(
        "job %s (%s) of dead worker %s: %s after %d attempts",
        job.pk,
        job.task_path,
        worker_id,
        "failed" if give_up else "requeued",
        attempts,
    )
    return True
