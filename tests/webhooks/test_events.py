"""From domain events to deliveries: a row per active webhook that wants the event,
written in the event's transaction and sent once it commits — and a breach sends exactly
one signed webhook."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from tests.tickets.conftest import agreement, desk, make_ticket, office_calendar, service, sla
from tests.webhooks.conftest import Receiver
from yunwei.core import events
from yunwei.sla import escalation
from yunwei.sla.models import SlaRecord
from yunwei.tickets import actions as ticket_actions
from yunwei.webhooks import delivery
from yunwei.webhooks.models import WebhookDelivery

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]


def test_a_breach_sends_exactly_one_signed_webhook(
    receiver: Receiver, make_webhook: Any, make_ticket: Any, sla: Any
) -> None:
    make_webhook(events=["ticket.sla_breached"])
    ticket = make_ticket(impact="high", urgency="high")
    record = SlaRecord.objects.get(object_id=ticket.pk, kind="response")
    after_due = record.due_at + dt.timedelta(minutes=1)
    escalation.check(record.pk, now=after_due)
    escalation.check(record.pk, now=after_due + dt.timedelta(minutes=1))
    delivery.send_due()
    delivery.send_due()
    (request,) = receiver.requests
    assert request.headers["x-yunwei-event"] == "ticket.sla_breached"
    assert request.signature_ok is True
    body = request.json()
    assert body["data"]["reference"] == ticket.reference
    assert body["data"]["sla_breached"] is True
    assert body["details"] == {"sla": "response", "due_at": record.due_at.isoformat()}
    assert body["actor"] is None
    assert WebhookDelivery.objects.get().state == "sent"


def test_each_webhook_that_wants_the_event_gets_one_row(
    make_webhook: Any, make_ticket: Any, customer: Any, other_customer: Any, agent: Any
) -> None:
    everything = make_webhook(name="All", events=["ticket.created", "ticket.updated"])
    acme = make_webhook(name="Acme only", organization=customer)
    make_webhook(name="Globex only", organization=other_customer)
    make_webhook(name="Closed only", events=["ticket.closed"])
    make_webhook(name="Off", is_active=False)
    ticket = make_ticket()
    rows = WebhookDelivery.objects.order_by("subscription__name")
    assert [(r.subscription, r.event) for r in rows] == [
        (acme, "ticket.created"),
        (everything, "ticket.created"),
    ]
    ticket_actions.update_ticket(ticket, actor=agent, priority="urgent")
    updated = WebhookDelivery.objects.get(event="ticket.updated")
    assert updated.subscription == everything
    assert updated.payload["details"]["changes"]["priority"][1] == "urgent"
    assert updated.key not in {row.key for row in rows}


def test_no_row_for_a_change_that_rolled_back_or_a_muted_event(
    make_webhook: Any, make_ticket: Any
) -> None:
    make_webhook()

    def created_then_failed() -> None:
        with transaction.atomic():
            make_ticket()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        created_then_failed()
    with events.muted():
        make_ticket()
    assert WebhookDelivery.objects.count() == 0


def test_the_delivery_task_is_enqueued_when_the_event_commits(
    make_webhook: Any, make_ticket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_webhook()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_ticket()
    row = WebhookDelivery.objects.get()
    assert DBTaskResult.objects.count() == 0  # nothing before the commit
    for callback in callbacks:
        callback()
    task = DBTaskResult.objects.get(task_path="yunwei.webhooks.delivery.deliver")
    assert task.args_kwargs == {"args": [], "kwargs": {"delivery_id": row.pk}}


def test_the_rows_of_one_event_are_written_at_once_each_with_its_own_key_and_task(
    make_webhook: Any, make_ticket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    webhooks = [make_webhook(name=name) for name in ("One", "Two", "Three")]
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        make_ticket()
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "webhooks_webhookdelivery"')]
    assert len(inserts) == 1
    rows = list(WebhookDelivery.objects.order_by("subscription__name"))
    assert [row.subscription for row in rows] == sorted(webhooks, key=lambda w: w.name)
    assert len({row.key for row in rows}) == 3
    tasks = DBTaskResult.objects.filter(task_path="yunwei.webhooks.delivery.deliver")
    assert sorted(task.args_kwargs["kwargs"]["delivery_id"] for task in tasks) == sorted(
        row.pk for row in rows
    )
