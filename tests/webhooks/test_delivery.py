"""Deliveries to a real receiver on 127.0.0.1, in every format: signed as each format
asks (checked by the receiver), retried with growing pauses, given up after the last
attempt, and never following a redirect, reading a huge answer or waiting forever."""

from __future__ import annotations

import datetime as dt
import json
import socket
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.tickets.conftest import agreement, desk, make_ticket, office_calendar, service, sla
from tests.webhooks.conftest import Receiver, Reply
from yunwei.core import outbox
from yunwei.webhooks import delivery
from yunwei.webhooks.models import WebhookDelivery

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]


def only_delivery() -> WebhookDelivery:
    (row,) = WebhookDelivery.objects.all()
    return row


def test_a_generic_webhook_is_signed_and_carries_the_event(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, requester: Any
) -> None:
    make_webhook()
    ticket = make_ticket()
    assert delivery.send_due() == 1
    (request,) = receiver.requests
    row = only_delivery()
    assert request.signature_ok is True
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["user-agent"].startswith("Yunwei-Webhooks")
    assert request.headers["x-yunwei-event"] == "ticket.created"
    assert request.headers["x-yunwei-delivery"] == str(row.key)
    assert request.headers["idempotency-key"] == str(row.key)
    body = request.json()
    assert body["event"] == "ticket.created"
    assert body["delivery"] == str(row.key)
    assert body["data"]["reference"] == ticket.reference
    assert body["data"]["title"] == "打印机无法打印"
    assert body["actor"] == {"id": requester.pk, "name": str(requester)}
    assert row.state == "sent"
    assert row.response_status == 200
    assert row.response_excerpt == '{"ok": true}'
    assert row.duration_ms is not None
    assert delivery.send_due() == 0  # sent is sent


def test_a_wrong_secret_is_caught_by_the_receiver(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    make_webhook()
    receiver.secret = "not-the-secret"
    make_ticket()
    delivery.send_due()
    assert receiver.requests[0].signature_ok is False
    row = only_delivery()
    assert (row.state, row.attempts, row.response_status) == ("failed", 1, 401)
    assert row.last_error == "HTTP 401: the receiver rejects the request; not tried again."


def test_a_wecom_robot_gets_markdown_in_its_language(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, agent: Any, desk: Any
) -> None:
    receiver.default = Reply(body=b'{"errcode":0,"errmsg":"ok"}')
    make_webhook(format="wecom", language="en", url=receiver.url("/cgi-bin/webhook/send?key=k1"))
    ticket = make_ticket(impact="high", urgency="high", assignee=agent, team=desk, actor=agent)
    delivery.send_due()
    (request,) = receiver.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": "k1"}
    assert request.json() == {
        "msgtype": "markdown",
        "markdown": {
            "content": f"**【Ticket created】{ticket.reference} 打印机无法打印 · Urgent · "
            f"Assignee {agent}**\n\n[Open the ticket](http://testserver/tickets/{ticket.pk}/)".replace(
                "http://testserver", ticket_url_base(ticket)
            )
        },
    }
    assert only_delivery().state == "sent"


def ticket_url_base(ticket: Any) -> str:
    from yunwei.tickets.events import payload

    return payload(ticket)["url"].rsplit("/tickets/", 1)[0]


def test_a_robot_refusal_is_a_failure_though_the_status_is_200(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    receiver.default = Reply(body=b'{"errcode":45009,"errmsg":"api freq out of limit"}')
    make_webhook(format="wecom")
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    assert row.state == "pending"
    assert row.response_status == 200
    assert row.last_error == "The robot refused the message: code 45009, api freq out of limit"


def test_a_signed_dingtalk_robot_checks_timestamp_and_sign(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    receiver.default = Reply(body=b'{"errcode":0,"errmsg":"ok"}')
    make_webhook(
        format="dingtalk",
        secret="SEC0123456789abcdef",
        url=receiver.url("/robot/send?access_token=t0k"),
    )
    ticket = make_ticket()
    delivery.send_due()
    (request,) = receiver.requests
    assert request.signature_ok is True
    assert request.query["access_token"] == "t0k"
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert ticket.reference in body["markdown"]["title"]
    assert ticket.reference in body["markdown"]["text"]
    assert only_delivery().state == "sent"


def test_a_signed_feishu_bot_checks_the_sign_in_the_body(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    receiver.default = Reply(body=b'{"code":0,"msg":"success","data":{}}')
    make_webhook(format="feishu", secret="feishu-secret", language="en")
    ticket = make_ticket()
    delivery.send_due()
    (request,) = receiver.requests
    assert request.signature_ok is True
    body = request.json()
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["en_us"]
    assert post["title"].startswith(f"【Ticket created】{ticket.reference}")
    assert post["content"][0][0]["tag"] == "a"
    assert only_delivery().state == "sent"


def test_a_feishu_refusal_is_a_failure(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    receiver.default = Reply(body=b'{"code":19021,"msg":"sign match fail"}')
    make_webhook(format="feishu", secret="s")
    make_ticket()
    delivery.send_due()
    assert "code 19021, sign match fail" in only_delivery().last_error


def test_a_title_cannot_add_links_to_a_robot_message(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    make_webhook(format="wecom", language="en")
    make_ticket(title="[click me](http://evil.example) <font>")
    delivery.send_due()
    content = receiver.requests[0].json()["markdown"]["content"]
    assert "[click me]" not in content
    assert "<font>" not in content
    assert "［click me］（http://evil.example）" in content


def test_a_failing_receiver_is_retried_with_growing_pauses_then_given_up(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    receiver.default = Reply(500, b"down")
    make_webhook()
    make_ticket()
    tried_at = timezone.now()
    delivery.send_due()
    row = only_delivery()
    pauses = []
    while row.state == "pending":
        pauses.append(round((row.next_attempt_at - tried_at).total_seconds()))
        with time_machine.travel(row.next_attempt_at - dt.timedelta(seconds=5), tick=False):
            assert delivery.send_due() == 0  # not due yet
        tried_at = row.next_attempt_at + dt.timedelta(seconds=1)
        with time_machine.travel(tried_at, tick=False):
            assert delivery.send_due() == 1
        row.refresh_from_db()
    assert pauses == list(outbox.BACKOFF_SECONDS)
    assert row.state == "failed"
    assert row.attempts == outbox.MAX_ATTEMPTS
    assert (row.response_status, row.last_error, row.response_excerpt) == (500, "HTTP 500", "down")
    assert len(receiver.requests) == outbox.MAX_ATTEMPTS
    assert {r.headers["idempotency-key"] for r in receiver.requests} == {str(row.key)}
    assert delivery.send_due() == 0


def test_a_retry_that_succeeds_is_sent(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    receiver.reply(Reply(503, b"busy"))
    make_webhook()
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1)):
        delivery.send_due()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error, row.response_status) == ("sent", 2, "", 200)


def test_a_redirect_is_not_followed(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    receiver.default = Reply(302, b"", {"Location": receiver.url("/elsewhere")})
    make_webhook()
    make_ticket()
    delivery.send_due()
    assert [r.path for r in receiver.requests] == ["/hook"]
    row = only_delivery()
    assert row.state == "pending"
    assert row.response_status == 302
    assert "redirects are not followed" in row.last_error


def test_a_huge_answer_is_capped(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, settings: Any
) -> None:
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 1000
    receiver.default = Reply(200, b"y" * 2_000_000)
    make_webhook()
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    assert row.state == "sent"
    assert row.response_excerpt == "y" * 1000


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, settings: Any
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.default = Reply(delay=3)
    make_webhook()
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    assert row.state == "pending"
    assert row.response_status is None
    assert row.last_error.startswith("Timed out")


def test_the_allowed_networks_setting_lets_an_internal_receiver_in(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, settings: Any
) -> None:
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    make_webhook(allow_private_network=False)
    make_ticket()
    delivery.send_due()
    assert only_delivery().state == "sent"


def test_a_name_resolving_to_a_private_address_is_refused_at_once_and_for_good(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, monkeypatch: Any
) -> None:
    make_webhook(url=f"http://receiver.example:{receiver.port}/hook", allow_private_network=False)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))],
    )
    make_ticket()
    delivery.send_due()
    assert receiver.requests == []
    row = only_delivery()
    assert (row.state, row.attempts) == ("failed", 1)
    assert "127.0.0.1 is a loopback address" in row.last_error


def test_an_inactive_webhook_sends_nothing_more(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, admin: Any
) -> None:
    from yunwei.webhooks import actions

    webhook = make_webhook()
    make_ticket()
    actions.update_subscription(webhook, actor=admin, is_active=False)
    delivery.send_due()
    assert receiver.requests == []
    assert only_delivery().state == "failed"
    assert only_delivery().last_error == "The webhook is inactive."


def test_the_task_sends_one_delivery_once(
    receiver: Receiver, make_webhook: Any, make_ticket: Any
) -> None:
    make_webhook()
    make_ticket()
    row = only_delivery()
    assert delivery.deliver.call(delivery_id=row.pk) is True
    assert delivery.deliver.call(delivery_id=row.pk) is False  # already sent
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0].body)["delivery"] == str(row.key)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 422])
def test_a_client_error_fails_at_once_for_good(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, status: int
) -> None:
    receiver.default = Reply(status, b"no such hook")
    make_webhook()
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    assert (row.state, row.attempts, row.response_status) == ("failed", 1, status)
    assert "not tried again" in row.last_error
    assert row.response_excerpt == "no such hook"
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert delivery.send_due() == 0
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_busy_and_server_errors_are_tried_again(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, status: int
) -> None:
    receiver.reply(Reply(status, b"later"))
    make_webhook()
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    assert (row.state, row.last_error) == ("pending", f"HTTP {status}")
    with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1)):
        assert delivery.send_due() == 1
    row.refresh_from_db()
    assert row.state == "sent"


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        ("dingtalk", {"errcode": 310000, "errmsg": "keywords not in content"}),
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}),
        ("dingtalk", {"errcode": 300005, "errmsg": "token is not exist"}),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}),
        ("feishu", {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}),
        ("feishu", {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}),
        ("feishu", {"code": 19024, "msg": "Key Words Not Found"}),
    ],
)
def test_a_robot_whose_settings_do_not_match_fails_at_once(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, kind: str, answer: dict[str, Any]
) -> None:
    receiver.default = Reply(body=json.dumps(answer).encode())
    make_webhook(format=kind)
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    assert (row.state, row.attempts, row.response_status) == ("failed", 1, 200)
    code = answer.get("errcode", answer.get("code"))
    assert f"code {code}" in row.last_error
    assert "signing secret, keywords and IP allow-list; not tried again" in row.last_error


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}),
        ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}),
        ("feishu", {"code": 11232, "msg": "frequency limited"}),
    ],
)
def test_a_robot_that_is_busy_is_tried_again(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, kind: str, answer: dict[str, Any]
) -> None:
    receiver.default = Reply(body=json.dumps(answer).encode())
    make_webhook(format=kind)
    make_ticket()
    delivery.send_due()
    row = only_delivery()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "not tried again" not in row.last_error
