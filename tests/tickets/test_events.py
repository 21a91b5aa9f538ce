"""What ticket actions tell listeners (mail, bell, webhooks): the right event, once, with
public data only (rollbacks are tested with the listeners' outboxes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from tests.tickets.conftest import agreement, desk, make_ticket, office_calendar, service, sla
from yunwei.core import events
from yunwei.sla import escalation
from yunwei.sla.models import SlaRecord
from yunwei.tickets import actions

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]


@pytest.fixture
def heard() -> Iterator[list[events.Event]]:
    received: list[events.Event] = []
    events.listen(received.append)
    yield received
    events._listeners.remove(received.append)


def names(heard: list[events.Event]) -> list[str]:
    return [event.name for event in heard]


def test_a_ticket_life_is_told_step_by_step(
    heard: Any, make_ticket: Any, agent: Any, team_lead: Any, requester: Any, desk: Any
) -> None:
    ticket = make_ticket()
    actions.transition_ticket(ticket, actor=team_lead, to="assigned", assignee=agent)
    actions.add_comment(ticket, actor=agent, body="已远程重启打印服务", public=True)
    actions.add_comment(ticket, actor=agent, body="内部：驱动版本过旧", public=False)
    actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="驱动已更新"
    )
    actions.transition_ticket(ticket, actor=requester, to="closed")
    assert names(heard) == [
        "ticket.created",
        "ticket.assigned",
        "ticket.commented",
        "ticket.resolved",
        "ticket.closed",
    ]
    assigned = heard[1]
    assert assigned.recipients == (agent,)
    assert assigned.payload["assignee"] == {"id": agent.pk, "name": str(agent)}
    assert heard[2].data["comment_id"] == ticket.comments.get(public=True).pk
    # Internal notes are nobody's event; the payload carries no internal text.
    flat = repr([event.payload for event in heard]) + repr([event.data for event in heard])
    assert "驱动版本过旧" not in flat
    assert heard[-1].payload["state"] == "closed"
    assert heard[0].payload["url"].endswith(f"/tickets/{ticket.pk}/")


def test_mentions_name_their_people_and_internal_notes_stay_internal(
    heard: Any, make_ticket: Any, agent: Any, team_lead: Any, desk: Any
) -> None:
    ticket = make_ticket()
    heard.clear()
    actions.add_comment(ticket, actor=agent, body=f"@{team_lead.email} 请看一下", public=False)
    assert names(heard) == ["ticket.mentioned"]
    assert heard[0].recipients == (team_lead,)
    assert heard[0].data == {"comment_id": ticket.comments.get().pk, "public": False}


def test_an_update_tells_only_public_changes(
    heard: Any, make_ticket: Any, agent: Any, desk: Any
) -> None:
    ticket = make_ticket()
    heard.clear()
    actions.update_ticket(ticket, actor=agent, root_cause="固件缺陷")
    assert heard == []  # the analysis is the provider's own business
    actions.update_ticket(ticket, actor=agent, priority="urgent")
    assert names(heard) == ["ticket.updated"]
    assert heard[0].data["changes"]["priority"][1] == "urgent"


def test_muted_events_reach_nobody(heard: Any, make_ticket: Any) -> None:
    with events.muted():
        make_ticket()
    assert heard == []


def test_sla_warning_then_breach_are_told_once_each(heard: Any, make_ticket: Any, sla: Any) -> None:
    ticket = make_ticket(impact="high", urgency="high")  # urgent: respond within 30 min
    record = SlaRecord.objects.get(object_id=ticket.pk, kind="response")
    heard.clear()
    assert record.warning_at is not None
    assert record.due_at is not None
    warning, due = record.warning_at, record.due_at
    escalation.check(record.pk, now=warning)
    escalation.check(record.pk, now=warning + dt.timedelta(seconds=1))
    escalation.check(record.pk, now=due)
    escalation.check(record.pk, now=due + dt.timedelta(minutes=5))
    assert names(heard) == ["ticket.sla_warning", "ticket.sla_breached"]
    assert heard[1].data == {"sla": "response", "due_at": due.isoformat()}
    assert heard[1].actor is None


def test_a_late_resolution_tells_the_breach_the_worker_missed(
    heard: Any, make_ticket: Any, agent: Any, sla: Any, desk: Any
) -> None:
    created = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Shanghai
    ticket = make_ticket(impact="high", urgency="high", at=created)
    heard.clear()
    actions.transition_ticket(
        ticket,
        actor=agent,
        to="resolved",
        resolution="solved",
        note="换了硒鼓",
        at=created + dt.timedelta(days=2),
    )
    breaches = [event for event in heard if event.name == "ticket.sla_breached"]
    assert sorted(event.data["sla"] for event in breaches) == ["resolution", "response"]


def test_taking_a_ticket_by_asking_the_customer_still_tells_the_state(
    heard: Any, make_ticket: Any, agent: Any, desk: Any
) -> None:
    ticket = make_ticket()
    heard.clear()
    actions.transition_ticket(ticket, actor=agent, to="waiting_on_customer", note="哪一层楼？")
    updated = [event for event in heard if event.name == "ticket.updated"]
    assert updated[0].data["changes"]["state"] == ["new", "waiting_on_customer"]


def test_a_warning_is_told_again_only_when_the_clock_moved_well_ahead(
    heard: Any, make_ticket: Any, agent: Any, sla: Any, desk: Any
) -> None:
    from yunwei.sla import actions as sla_actions

    created = dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Shanghai
    ticket = make_ticket(impact="high", urgency="high", at=created)  # respond in 30 min
    record = SlaRecord.objects.get(object_id=ticket.pk, kind="response")
    escalation.check(record.pk, now=record.warning_at)
    targets = [
        {"priority": "urgent", "response_minutes": 32, "resolution_minutes": 240},
        {"priority": "important", "response_minutes": 60, "resolution_minutes": 480},
        {"priority": "general", "response_minutes": 120, "resolution_minutes": 960},
        {"priority": "unimportant", "response_minutes": 240, "resolution_minutes": 1920},
    ]
    with time_machine.travel(record.warning_at + dt.timedelta(minutes=1)):
        sla_actions.update_agreement(sla, actor=None, targets=targets)  # two minutes more
        record.refresh_from_db()
        assert record.warned_at is not None  # a nudge: no second warning
        actions.update_ticket(ticket, actor=agent, priority="general")  # 120 minutes now
    record.refresh_from_db()
    assert record.warned_at is None
    escalation.check(record.pk, now=record.warning_at)
    assert names(heard).count("ticket.sla_warning") == 2
