from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web UI and API with gunicorn (static files through whitenoise)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="host:port (default 127.0.0.1:8000)"
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("YUNWEI_WEB_WORKERS", "2"))
        )
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run one background worker (single-machine set-ups)",
        )

    def handle(
        self, *args: Any, bind: str, workers: int, threads: int, with_worker: bool, **options: Any
    ) -> None:
        # Several servers on one machine share the data directory: one collects at a time.
        with open(settings.DATA_DIR / "collectstatic.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if with_worker:
            worker = subprocess.Popen([sys.executable, "-m", "yunwei.cli", "worker"])
        self.stdout.write(f"Yunwei is serving on http://{bind}/  (API: http://{bind}/api/v1/docs)")
        self.stdout.flush()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "yunwei.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "20",
        ]
        server = subprocess.Popen(command)  # noqa: S603
        # A service manager stops us with SIGTERM: pass it on so gunicorn drains requests.
        signal.signal(signal.SIGTERM, lambda signum, frame: server.send_signal(signal.SIGTERM))
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGTERM)
            server.wait()
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
