"""Hand-offs on the provider side: a ticket moved to a team's queue, taken away from its
assignee, or raised in priority by the SLA clock is told to the people whose work it is."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import TeamFactory, UserFactory, on_a_working_monday
from yunwei.notifications.models import Notification
from yunwei.sla import escalation
from yunwei.tickets import actions, sla_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(provider: Any) -> Any:
    lead = UserFactory(email="netlead@provider.example", organization=provider, roles=["agent"])
    member = UserFactory(email="net@provider.example", organization=provider, roles=["agent"])
    team = TeamFactory(name="Network", lead=lead)
    team.members.set([lead, member])
    return team


def belled(event: str) -> list[str]:
    rows = Notification.objects.filter(event=event)
    return sorted(rows.values_list("recipient__email", flat=True))


def test_a_ticket_moved_to_a_teams_queue_rings_that_teams_bells(
    make_ticket: Any, desk: Any, network: Any, requester: Any, agent: Any
) -> None:
    ticket = make_ticket(team=desk, actor=agent, requester=requester)
    actions.update_ticket(ticket, actor=agent, team=network)
    assert belled("ticket.updated") == ["net@provider.example", "netlead@provider.example"]
    assert not requester.notifications.filter(event="ticket.updated").exists()  # internal


def test_the_previous_assignee_hears_when_the_ticket_is_taken_away(
    make_ticket: Any, desk: Any, network: Any, agent: Any, team_lead: Any
) -> None:
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, team=desk, assignee=agent)
    # What an escalation rule does: hand the ticket to another team's queue.
    sla_link.escalate_reassign(ticket, network)
    assert belled("ticket.updated") == [
        agent.email, "net@provider.example", "netlead@provider.example"
    ]  # fmt: skip
    assert not team_lead.notifications.filter(event="ticket.updated").exists()


def test_a_priority_raised_by_the_sla_clock_tells_the_assignee_and_lead(
    make_ticket: Any, sla: Any, desk: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, team=desk, assignee=agent)
    sla_link.escalate_priority(ticket)
    assert belled("ticket.updated") == [agent.email, team_lead.email]
    # A person changing the priority tells nobody on the provider side.
    ticket.refresh_from_db()
    Notification.objects.all().delete()
    actions.update_ticket(ticket, actor=team_lead, priority="unimportant")
    assert [u for u in belled("ticket.updated") if u != requester.email] == []


@on_a_working_monday
def test_an_escalation_rule_that_moves_the_ticket_tells_the_new_team(
    make_ticket: Any, sla: Any, desk: Any, network: Any, agent: Any, team_lead: Any
) -> None:
    from yunwei.sla import actions as sla_actions

    sla_actions.update_agreement(
        sla,
        actor=None,
        escalations=[
            {"kind": "resolution", "at_percent": 50, "action": "reassign", "reassign_team": network}
        ],
    )
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, team=desk, assignee=agent)
    record = ticket.sla_records.get(kind="resolution")
    escalation.check(record.pk, now=record.started_at + (record.due_at - record.started_at) / 2)
    assert belled("ticket.updated") == [
        agent.email, "net@provider.example", "netlead@provider.example"
    ]  # fmt: skip


def test_a_ticket_handed_from_one_agent_to_another_tells_both(
    make_ticket: Any, desk: Any, network: Any, requester: Any, agent: Any, team_lead: Any
) -> None:
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, assignee=agent)
    other = network.members.get(email="net@provider.example")
    actions.update_ticket(ticket, actor=team_lead, assignee=other)
    assert belled("ticket.assigned") == sorted([agent.email, other.email])
    assert belled("ticket.updated") == [agent.email]  # the one it was taken from
    assert not requester.notifications.filter(event="ticket.updated").exists()
