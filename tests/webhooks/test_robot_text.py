"""What robots tell a chat group beyond the headline: what changed on an update, which
SLA is due when on warnings, breaches and escalations — and the delivery log names the
ticket each delivery was about."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from tests.factories import TeamFactory, on_a_working_monday
from tests.tickets.conftest import agreement, desk, make_ticket, office_calendar, service, sla
from tests.webhooks.conftest import Receiver, Reply
from yunwei.sla import actions as sla_actions
from yunwei.sla import escalation
from yunwei.sla.models import SlaRecord
from yunwei.tickets import actions as ticket_actions
from yunwei.webhooks import delivery
from yunwei.webhooks.models import WebhookDelivery

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]

OK = {"wecom": b'{"errcode":0}', "dingtalk": b'{"errcode":0}', "feishu": b'{"code":0}'}


def shown_due(record: SlaRecord) -> str:
    local = record.due_at.astimezone(ZoneInfo("Asia/Shanghai"))
    return local.strftime("%Y-%m-%d %H:%M") + " (UTC+08:00)"


def test_an_update_says_what_changed(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, agent: Any, desk: Any
) -> None:
    receiver.default = Reply(body=OK["wecom"])
    make_webhook(format="wecom", language="en", events=["ticket.updated"])
    ticket = make_ticket(title="VPN drops")
    ticket_actions.transition_ticket(ticket, actor=agent, to="waiting_on_customer", note="Which?")
    ticket.refresh_from_db()
    network = TeamFactory(name="Network")
    ticket_actions.update_ticket(ticket, actor=agent, title="VPN drops [office]", team=network)
    delivery.send_due()
    first, second = (r.json()["markdown"]["content"] for r in receiver.requests)
    assert "\n\nState: New → Waiting on customer\n\n" in first
    assert "Title: VPN drops → VPN drops ［office］" in second
    assert "Team: Network" in second


def test_a_breach_names_the_sla_and_its_due_time(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, sla: Any
) -> None:
    receiver.default = Reply(body=OK["dingtalk"])
    make_webhook(format="dingtalk", language="en", events=["ticket.sla_breached"])
    ticket = make_ticket(impact="high", urgency="high")
    record = SlaRecord.objects.get(object_id=ticket.pk, kind="response")
    escalation.check(record.pk, now=record.due_at + dt.timedelta(minutes=1))
    delivery.send_due()
    (request,) = receiver.requests
    text = request.json()["markdown"]["text"]
    assert text.startswith(f"**【SLA breached】{ticket.reference} 打印机无法打印")
    assert f"\n\nSLA: First response, due {shown_due(record)}\n\n" in text


@on_a_working_monday
def test_an_escalation_names_the_sla_and_its_due_time(
    receiver: Receiver,
    make_webhook: Any,
    make_ticket: Any,
    sla: Any,
    desk: Any,
    team_lead: Any,
) -> None:
    sla_actions.update_agreement(
        sla,
        actor=None,
        escalations=[
            {"kind": "resolution", "at_percent": 50, "action": "notify", "notify_user": team_lead}
        ],
    )
    receiver.default = Reply(body=OK["feishu"])
    make_webhook(format="feishu", language="en", events=["ticket.escalated"])
    ticket = make_ticket()
    record = SlaRecord.objects.get(object_id=ticket.pk, kind="resolution")
    escalation.check(record.pk, now=record.started_at + (record.due_at - record.started_at) / 2)
    delivery.send_due()
    (request,) = receiver.requests
    post = request.json()["content"]["post"]["en_us"]
    assert post["title"].startswith(f"【SLA escalation】{ticket.reference}")
    assert post["content"][0] == [
        {"tag": "text", "text": f"SLA: Resolution, due {shown_due(record)}"}
    ]
    assert post["content"][1][0]["tag"] == "a"


def test_the_delivery_log_links_the_ticket(
    client: Client, admin: Any, api_as: Any, make_webhook: Any, make_ticket: Any
) -> None:
    webhook = make_webhook()
    ticket = make_ticket()
    client.force_login(admin)
    client.post(f"/webhooks/{webhook.pk}/test/")
    about_ticket = WebhookDelivery.objects.get(event="ticket.created")
    page = client.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert f'<a href="/tickets/{ticket.pk}/">{ticket.reference}</a>' in page
    items = api_as(admin).get(f"/api/v1/webhooks/{webhook.pk}/deliveries").json()["items"]
    tickets = {item["id"]: item["ticket"] for item in items}
    assert tickets[about_ticket.pk] == {"id": ticket.pk, "reference": ticket.reference}
    assert [value for value in tickets.values() if value is None] == [None]  # the test
