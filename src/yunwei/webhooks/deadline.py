"""One wall-clock deadline over a whole webhook call.

httpx's time-outs are per operation: a receiver sending one byte of its headers every
few seconds never trips a read time-out and would hold a worker for hours. So a call
runs over a network backend that gives each connect, TLS handshake, read and write only
the time left until the deadline (the socket's time-out is set to it before each one;
Python's ssl module holds a whole handshake, however it is dripped, to that time-out),
and the name lookup runs under the same deadline.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        return self.ends - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.left() <= 0

    def bound(self, timeout: float | None, error: type[Exception]) -> float:
        """`timeout`, shortened to the time left; `error` once none is left."""
        left = self.left()
        if left <= 0:
            raise error("the call took longer than its time-out")
        return left if timeout is None else min(timeout, left)


def getaddrinfo_within(deadline: Deadline, host: str, port: int) -> list[Any]:
    """socket.getaddrinfo, given up when the deadline passes (the resolver's own
    time-outs add up to much longer). TimeoutError then; the lookup's own error else."""
    answer: queue.Queue[tuple[list[Any] | None, BaseException | None]] = queue.Queue(1)

    def ask() -> None:
        try:
            answer.put((socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), None))
        except Exception as error:  # handed to the caller, who decides
            answer.put((None, error))

    # A daemon thread: a lookup that hangs past the deadline must not keep the worker
    # from exiting; it ends when the resolver gives up.
    threading.Thread(target=ask, name="webhook-resolve", daemon=True).start()
    try:
        addresses, error = answer.get(timeout=max(deadline.left(), 0.0))
    except queue.Empty:
        raise TimeoutError from None
    if error is not None:
        raise error
    assert addresses is not None
    return addresses


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self._deadline.bound(timeout, httpcore.ConnectTimeout)
        return _Stream(
            self._stream.start_tls(ssl_context, server_hostname, timeout), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's blocking backend, held to a deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = self.deadline.bound(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream, self.deadline)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over a DeadlineBackend. httpx takes no network backend as a
    parameter; it sends through `_pool`, so that is where the backend goes."""

    def __init__(self, backend: DeadlineBackend) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=backend,
            retries=0,
        )
