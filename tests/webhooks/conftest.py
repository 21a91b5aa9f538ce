"""A webhook receiver on 127.0.0.1 (a real HTTP server on a free port, in a thread) that
checks signatures the way docs/webhooks.md tells receivers to — generic HMAC, DingTalk
and Feishu signing, written here from the formats' specifications, not from our code —
and records every request; plus a webhook factory."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from yunwei.webhooks import actions


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None  # None: the request carried no signature to check

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def generic_signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    timestamp = headers.get("x-yunwei-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(
        headers.get("x-yunwei-signature", ""), "sha256=" + expected.hexdigest()
    )


def dingtalk_signature_ok(secret: str, query: dict[str, str]) -> bool:
    timestamp = query.get("timestamp", "")
    if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return hmac.compare_digest(query.get("sign", ""), base64.b64encode(digest.digest()).decode())


def feishu_signature_ok(secret: str, body: dict[str, Any]) -> bool:
    timestamp = str(body.get("timestamp", ""))
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 3600:
        return False
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return hmac.compare_digest(str(body.get("sign", "")), base64.b64encode(digest).decode())


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: list[Reply] = []
        self.default = Reply()
        self.secret = ""  # the generic secret, DingTalk's or Feishu's, to check against
        self.kind = "generic"
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reply(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def check(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> bool | None:
        if self.kind == "generic" and "x-yunwei-signature" in headers:
            return generic_signature_ok(self.secret, headers, body)
        if self.kind == "dingtalk" and "sign" in query:
            return dingtalk_signature_ok(self.secret, query)
        if self.kind == "feishu":
            parsed = json.loads(body)
            if "sign" in parsed:
                return feishu_signature_ok(self.secret, parsed)
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                ok = receiver.check(parts.path, query, headers, body)
                with receiver.lock:
                    receiver.requests.append(Received(parts.path, query, headers, body, ok))
                    reply = receiver.replies.pop(0) if receiver.replies else receiver.default
                if ok is False:
                    reply = Reply(401, b'{"errcode": 310000, "errmsg": "sign not match"}')
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the caller gave up (time-out, capped read)

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def make_webhook(admin: Any, receiver: Receiver) -> Any:
    """A webhook to the local receiver (an admin's explicit choice of a private address),
    whose secret the receiver checks."""

    def make(**fields: Any) -> Any:
        values = {
            "name": "Receiver",
            "url": receiver.url(),
            "events": ["ticket.created", "ticket.sla_breached"],
            "allow_private_network": True,
        }
        values.update(fields)
        webhook = actions.create_subscription(actor=admin, **values)
        receiver.secret = webhook.secret
        receiver.kind = webhook.format
        return webhook

    return make
