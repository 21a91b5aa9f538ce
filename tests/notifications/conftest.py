"""A real SMTP server on loopback (aiosmtpd) that the e-mail backend talks to, with
scripted answers for the failure cases, and helpers to run the worker's sending."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.factories import UserFactory
from tests.sla.conftest import agreement, office_calendar, service
from tests.tickets.conftest import desk, make_ticket, sla
from yunwei.core.outbox import OutboxState
from yunwei.notifications.models import OutboundEmail
from yunwei.notifications.tasks import send_email

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpRecorder:
    """Accepts everything unless told otherwise; `rcpt_replies` / `data_replies` are
    answers given (one each, in order) before accepting again."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    sessions: int = 0  # connections greeted (EHLO/HELO)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]


class LoopbackController(Controller):
    """Listens on a socket bound to 127.0.0.1 port 0: a free port, no race."""

    def __init__(self, handler: Any) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self.listener.getsockname()[1])

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.listener)


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder()
    controller = LoopbackController(recorder)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.NOTIFICATIONS_SMTP_TIMEOUT = 5
    try:
        yield recorder
    finally:
        controller.stop()


def send_pending() -> int:
    """What the worker does after the commit: run the send task for each waiting row."""
    pks = list(
        OutboundEmail.objects.filter(state=OutboxState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pks:
        send_email.call(pk=pk)
    return len(pks)


@pytest.fixture
def zh_requester(customer: Any) -> Any:
    return UserFactory(
        email="zhang@acme.example", name="张三", organization=customer, roles=["requester"],
        language="zh-hans",
    )  # fmt: skip
