"""One deadline over the whole call: a receiver on 127.0.0.1 that drips its headers, its
body or its TLS handshake a byte at a time (each byte well within a per-read time-out)
is cut off once YUNWEI_WEBHOOK_TIMEOUT_SECONDS have passed, and so is a name lookup
that hangs. The bounds asserted are generous (5x the time-out): behaviour, not speed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from yunwei.core import outbox
from yunwei.webhooks import guard

TIMEOUT = 1


class Dripper:
    """Accepts connections on 127.0.0.1, reads what the client sends first, then sends
    `opening` and one byte of `drip` every 50 ms until the client hangs up."""

    def __init__(self, opening: bytes, drip: bytes = b"x") -> None:
        self.opening = opening
        self.drip = drip
        self.stop = threading.Event()
        self.hung_up = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _peer = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    connection.recv(65536)
                    connection.sendall(self.opening)
                    while not self.stop.wait(0.05):
                        connection.sendall(self.drip)
                except OSError:
                    self.hung_up.set()


@pytest.fixture
def dripper() -> Iterator[Any]:
    servers: list[Dripper] = []

    def start(opening: bytes, drip: bytes = b"x") -> Dripper:
        server = Dripper(opening, drip)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop.set()
        server.thread.join(5)
        server.listener.close()


def call(url: str) -> float:
    """Seconds until guard.post gave up; it must give up with a time-out."""
    started = time.monotonic()
    with pytest.raises(guard.Unreachable) as failed:
        guard.post(url, headers={}, body=b"{}", allow_private=True)
    elapsed = time.monotonic() - started
    assert str(failed.value).startswith("Timed out: no complete answer within 1 seconds")
    assert failed.value.permanent is False
    return elapsed


@pytest.fixture(autouse=True)
def short_timeout(settings: Any) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = TIMEOUT


def test_headers_dripped_a_byte_at_a_time_are_cut_off(dripper: Any) -> None:
    server = dripper(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a")
    assert call(f"http://127.0.0.1:{server.port}/hook") < 5 * TIMEOUT
    assert server.hung_up.wait(5)  # the connection was closed, not left dripping


def test_a_body_dripped_a_byte_at_a_time_is_cut_off(dripper: Any) -> None:
    server = dripper(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    assert call(f"http://127.0.0.1:{server.port}/hook") < 5 * TIMEOUT


def test_a_tls_handshake_dripped_a_byte_at_a_time_is_cut_off(dripper: Any) -> None:
    # A TLS record header announcing 16 KB of handshake, then the bytes one by one.
    server = dripper(b"\x16\x03\x03\x40\x00", b"\x00")
    assert call(f"https://127.0.0.1:{server.port}/hook") < 5 * TIMEOUT
    assert server.hung_up.wait(5)


def test_a_name_lookup_that_hangs_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hang(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    try:
        assert call("https://hooks.example.com/in") < 5 * TIMEOUT
    finally:
        release.set()


def test_no_setting_makes_a_call_outlast_the_outbox_lease(settings: Any) -> None:
    """A call still running when its lease ran out would be sent twice at once."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 3600
    assert guard.call_seconds() == guard.MAX_CALL_SECONDS
    assert guard.call_seconds() * 4 <= outbox.LEASE.total_seconds()
