"""`yunwei serve` under the harness: started on a free local port with its output in a log
file, waited for, its gunicorn workers' memory read from /proc, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT_S = 90  # collectstatic, then gunicorn imports Django in two workers
STOP_TIMEOUT_S = 30  # serve gives gunicorn 20 s to drain


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, env: Mapping[str, str], log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = log_path.open("wb")
        command = [sys.executable, "-m", "yunwei.cli", "serve", "--workers", str(workers)]
        command += ["--bind", f"127.0.0.1:{self.port}"]
        # Its own session: a Ctrl-C at the terminal reaches the harness only, which then
        # stops the server in order (see stop()).
        self.process = subprocess.Popen(  # noqa: S603
            command,
            env=dict(env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"yunwei serve exited early:\n{self.log_tail()}")
            try:
                if (
                    httpx.get(
                        f"{self.base_url}/api/v1/health", timeout=2, trust_env=False
                    ).status_code
                    == 200
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(
            f"yunwei serve did not answer in {START_TIMEOUT_S} s:\n{self.log_tail()}"
        )

    def worker_memory(self) -> list[dict[str, Any]]:
        """VmRSS and VmHWM (MB) of the gunicorn workers: the children of gunicorn's master,
        itself the child of `yunwei serve`."""
        children = _children()
        masters = children.get(self.process.pid, [])
        workers = [pid for master in masters for pid in children.get(master, [])]
        return [{"pid": pid, **_memory(pid)} for pid in sorted(workers)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # serve passes it on to gunicorn
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group started above
                self.process.wait()
        self.log.close()


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc/<pid>/stat."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _memory(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[f"{key.lower()}_mb"] = round(int(rest.split()[0]) / 1024, 1)  # kB
    return values
