from __future__ import annotations

import logging
import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.management.commands.db_worker import Worker

from yunwei.core import schedule
from yunwei.core.context import origin
from yunwei.core.workers import Heartbeat, new_worker_id

# Jobs run between two rounds of periodic work: a queue that never empties must not
# starve the periodic jobs (audit sealing, reclaiming the jobs of dead workers…).
JOBS_PER_ROUND = 100

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background jobs (the django-tasks database queue) and periodic work."
    requires_system_checks: list[str] = []  # `yunwei check` does them; workers start faster

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=settings.WORKER_POLL_SECONDS,
            help="seconds to sleep when there is nothing to do",
        )
        parser.add_argument(
            "--once", action="store_true", help="run what is due and every queued job, then exit"
        )

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        autodiscover_modules("jobs")
        self.running = True
        self.worker: Worker | None = None
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        # One id for the life of the process: its heartbeat vouches for the jobs it claims.
        worker_id = new_worker_id()
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        logger.info(
            "worker %s started; periodic jobs: %s", worker_id, ", ".join(sorted(schedule.REGISTRY))
        )
        try:
            with origin("job"):
                while self.running:
                    close_old_connections()
                    schedule.run_due()
                    # Batch mode returns once the queue is empty (or after a round of jobs).
                    self.worker = Worker(
                        queue_names=["*"],
                        interval=0,
                        batch=True,
                        backend_name="default",
                        startup_delay=False,
                        max_tasks=JOBS_PER_ROUND,
                        worker_id=worker_id,
                        excluded_queue_names=[],
                    )
                    self.worker.run()
                    # Fewer jobs than a round: the queue is empty (the library counts them).
                    drained = self.worker._run_tasks < JOBS_PER_ROUND
                    if drained and once:
                        return
                    if drained:
                        time.sleep(interval)
        finally:
            heartbeat.stop()

    def stop(self, signum: int, frame: FrameType | None) -> None:
        logger.info("worker stopping after the current job")
        self.running = False
        if self.worker is not None:
            self.worker.running = False  # finish the job in hand, take no other
