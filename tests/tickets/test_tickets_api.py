"""/tickets beyond the main lifecycle: bad input, problems and links, bulk changes,
reopening, custom fields, escalation, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import OrganizationFactory, UserFactory
from yunwei.catalog import actions as catalog_actions
from yunwei.core.models import AuditEntry
from yunwei.sla import escalation
from yunwei.sla.models import SlaRecord
from yunwei.tickets import actions
from yunwei.tickets.models import Category, Ticket


@pytest.mark.django_db
def test_unknown_service_and_unsubscribed_service_are_refused_by_name(
    api_as: Any, requester: Any, other_customer: Any, sla: Any
) -> None:
    client = api_as(requester)
    unknown = client.post("/api/v1/tickets", {"title": "x", "service": 999999})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "service"
    theirs = catalog_actions.create_service(
        actor=None,
        code="theirs",
        name_en="Theirs",
        category="other",
        organizations=[other_customer],
    )
    hidden = client.post("/api/v1/tickets", {"title": "x", "service": theirs.pk})
    assert hidden.status_code == 422
    assert hidden.json()["errors"][0]["field"] == "service"
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_an_agent_cannot_raise_a_ticket_for_a_requester_of_another_organization(
    api_as: Any, agent: Any, requester: Any, other_requester: Any, service: Any, sla: Any
) -> None:
    response = api_as(agent).post(
        "/api/v1/tickets",
        {
            "title": "Printer",
            "service": service.pk,
            "requester": other_requester.pk,
            "organization": requester.organization_id,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "requester"
    on_behalf = api_as(agent).post(
        "/api/v1/tickets",
        {"title": "Printer", "service": service.pk, "requester": requester.pk, "channel": "phone"},
    )
    assert on_behalf.status_code == 201
    assert on_behalf.json()["channel"] == "phone"
    assert on_behalf.json()["organization"]["id"] == requester.organization_id


@pytest.mark.django_db
def test_a_requester_cannot_set_the_service_desk_fields(
    api_as: Any, requester: Any, agent: Any, service: Any, sla: Any
) -> None:
    response = api_as(requester).post(
        "/api/v1/tickets",
        {"title": "x", "service": service.pk, "priority": "urgent", "assignee": agent.pk},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"priority", "assignee"}
    problem = api_as(requester).post(
        "/api/v1/tickets", {"title": "x", "service": service.pk, "type": "problem"}
    )
    assert problem.status_code == 422
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_unknown_fields_and_bad_values_are_named(
    api_as: Any, requester: Any, service: Any, sla: Any
) -> None:
    client = api_as(requester)
    extra = client.post("/api/v1/tickets", {"title": "x", "service": service.pk, "colour": "red"})
    assert extra.status_code == 422
    assert extra.json()["errors"][0]["field"] == "colour"
    bad = client.post("/api/v1/tickets", {"title": "x", "service": service.pk, "impact": "huge"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "impact"
    empty = client.post("/api/v1/tickets", {"title": "   ", "service": service.pk})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "title"
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_script_in_a_description_or_comment_is_never_stored_as_html(
    api_as: Any, requester: Any, service: Any, sla: Any
) -> None:
    client = api_as(requester)
    evil = '<img src=x onerror="alert(1)"> [click](javascript:alert(2)) <b onmouseover=x>hi</b>'
    ticket = client.post(
        "/api/v1/tickets", {"title": "t", "service": service.pk, "description": evil}
    ).json()
    comment = client.post(f"/api/v1/tickets/{ticket['id']}/comments", {"body": evil}).json()
    for html in (ticket["description_html"], comment["body_html"]):
        assert "onerror" not in html.replace("onerror=&quot;", "") or "<img" not in html
        assert "<img" not in html
        assert "javascript:" not in html.split("href=")[-1] if "href=" in html else True
        assert "<b " not in html


@pytest.mark.django_db
def test_custom_fields_are_checked_against_the_category(
    api_as: Any, agent: Any, requester: Any, service: Any, sla: Any
) -> None:
    onboarding = actions.create_category(
        actor=None,
        name_zh="新员工入职",
        name_en="Onboarding",
        ticket_types=["request"],
        fields=[
            {"name": "start_date", "type": "date", "required": True},
            {"name": "laptop", "type": "choice", "choices": ["mac", "thinkpad"]},
        ],
    )
    client = api_as(requester)
    base = {"title": "入职", "service": service.pk, "type": "request", "category": onboarding.pk}
    missing = client.post("/api/v1/tickets", base)
    assert missing.status_code == 422
    assert "start_date" in missing.json()["errors"][0]["message"]
    wrong = client.post(
        "/api/v1/tickets",
        {**base, "custom_fields": {"start_date": "2026-12-01", "laptop": "dell", "x": 1}},
    )
    assert wrong.status_code == 422
    message = wrong.json()["errors"][0]["message"]
    assert "laptop" in message
    assert "x" in message
    wrong_type = client.post("/api/v1/tickets", {**base, "type": "incident"})
    assert wrong_type.json()["errors"][0]["field"] == "category"
    ok = client.post(
        "/api/v1/tickets", {**base, "custom_fields": {"start_date": "2026-12-01", "laptop": "mac"}}
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["custom_fields"] == {"start_date": "2026-12-01", "laptop": "mac"}
    assert Category.objects.get(pk=onboarding.pk).fields[0]["required"] is True


@pytest.mark.django_db
def test_resolving_a_problem_resolves_its_incidents_when_asked(
    api_as: Any, agent: Any, make_ticket: Any, sla: Any, service: Any, requester: Any
) -> None:
    first, second = make_ticket(), make_ticket(title="VPN 连接失败")
    problem = actions.create_ticket(
        actor=agent, type="problem", title="核心交换机固件缺陷", service=service, requester=agent
    )
    client = api_as(agent)
    for incident in (first, second):
        linked = client.patch(f"/api/v1/tickets/{incident.pk}", {"problem": problem.pk})
        assert linked.status_code == 200
    not_a_problem = client.patch(f"/api/v1/tickets/{first.pk}", {"problem": second.pk})
    assert not_a_problem.status_code == 422
    detail = client.get(f"/api/v1/tickets/{problem.pk}").json()
    assert {t["id"] for t in detail["incidents"]} == {first.pk, second.pk}
    client.patch(
        f"/api/v1/tickets/{problem.pk}",
        {"root_cause": "固件 bug", "workaround": "重启端口", "known_error": True},
    )
    resolved = client.post(
        f"/api/v1/tickets/{problem.pk}/transition",
        {"to": "resolved", "resolution": "solved", "note": "升级固件", "resolve_incidents": True},
    )
    assert resolved.status_code == 200, resolved.content
    states = dict(Ticket.objects.filter(problem=problem).values_list("pk", "state"))
    assert states == {first.pk: "resolved", second.pk: "resolved"}
    # The requester sees the incident's resolution but not the problem's root cause.
    seen = api_as(requester).get(f"/api/v1/tickets/{first.pk}").json()
    assert "升级固件" in seen["resolution_note"]
    assert seen["root_cause"] is None
    assert seen["problem"] is None  # the provider's problem ticket is not theirs


@pytest.mark.django_db
def test_links_between_tickets(api_as: Any, agent: Any, make_ticket: Any, sla: Any) -> None:
    a, b = make_ticket(), make_ticket()
    client = api_as(agent)
    link = client.post(f"/api/v1/tickets/{b.pk}/links", {"target": a.pk, "kind": "duplicate_of"})
    assert link.status_code == 201
    itself = client.post(f"/api/v1/tickets/{a.pk}/links", {"target": a.pk, "kind": "related"})
    assert itself.status_code == 422
    links = client.get(f"/api/v1/tickets/{a.pk}").json()["links"]
    assert links == [
        {
            "id": link.json()["id"],
            "kind": "duplicate_of",
            "direction": "incoming",
            "ticket": {"id": b.pk, "reference": b.reference, "title": b.title},
        }
    ]
    parent = client.patch(f"/api/v1/tickets/{b.pk}", {"parent": a.pk})
    assert parent.status_code == 200
    cycle = client.patch(f"/api/v1/tickets/{a.pk}", {"parent": b.pk})
    assert cycle.status_code == 422
    assert client.delete(f"/api/v1/tickets/{a.pk}/links/{link.json()['id']}").status_code == 204
    assert client.get(f"/api/v1/tickets/{a.pk}").json()["links"] == []


@pytest.mark.django_db
def test_bulk_assign_is_all_or_nothing(
    api_as: Any, agent: Any, team_lead: Any, make_ticket: Any, sla: Any, desk: Any
) -> None:
    tickets = [make_ticket() for _ in range(3)]
    client = api_as(team_lead)
    done = client.post(
        "/api/v1/tickets/bulk", {"ids": [t.pk for t in tickets], "assignee": agent.pk}
    )
    assert done.status_code == 200, done.content
    assert done.json() == {"updated": 3}
    assert set(Ticket.objects.values_list("assignee", "state")) == {(agent.pk, "assigned")}
    actions.transition_ticket(
        tickets[0], actor=agent, to="resolved", resolution="solved", note="done"
    )
    # Closing all three fails on the two not resolved; nothing is closed.
    refused = client.post("/api/v1/tickets/bulk", {"ids": [t.pk for t in tickets], "to": "closed"})
    assert refused.status_code == 409
    assert tickets[1].reference in refused.json()["detail"]
    assert Ticket.objects.filter(state="closed").count() == 0


@pytest.mark.django_db
def test_reopening_is_allowed_within_the_configured_days(
    api_as: Any, agent: Any, requester: Any, make_ticket: Any, sla: Any, settings: Any
) -> None:
    settings.TICKET_REOPEN_DAYS = 3
    start = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        ticket = make_ticket()
        actions.transition_ticket(
            ticket, actor=agent, to="resolved", resolution="solved", note="ok"
        )
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        reopened = api_as(requester).post(
            f"/api/v1/tickets/{ticket.pk}/transition", {"to": "reopened", "note": "还是不行"}
        )
        assert reopened.status_code == 200, reopened.content
        body = reopened.json()
        assert body["state"] == "assigned"  # back to whoever worked on it
        assert body["reopen_count"] == 1
        resolution = {e["kind"]: e for e in body["sla"]}["resolution"]
        assert resolution["state"] == "running"
        actions.transition_ticket(
            ticket, actor=agent, to="resolved", resolution="solved", note="ok"
        )
    with time_machine.travel(start + dt.timedelta(days=6), tick=False):
        late = api_as(requester).post(f"/api/v1/tickets/{ticket.pk}/transition", {"to": "reopened"})
    assert late.status_code == 409
    assert "too long ago" in late.json()["detail"]


@pytest.mark.django_db
def test_resolved_tickets_close_themselves_after_the_configured_days(
    agent: Any, make_ticket: Any, sla: Any, settings: Any
) -> None:
    settings.TICKET_AUTO_CLOSE_DAYS = 5
    old, recent = make_ticket(), make_ticket()
    start = dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        actions.transition_ticket(old, actor=agent, to="resolved", resolution="solved", note="ok")
    actions.transition_ticket(recent, actor=agent, to="resolved", resolution="solved", note="ok")
    assert actions.close_resolved_tickets() == 1
    assert Ticket.objects.get(pk=old.pk).state == "closed"
    assert Ticket.objects.get(pk=recent.pk).state == "resolved"
    closing = AuditEntry.objects.filter(object_type="tickets.ticket", object_id=str(old.pk))
    assert closing.latest("id").actor_id is None


@pytest.mark.django_db
def test_an_escalation_rule_raises_the_priority_of_a_late_ticket(
    agent: Any, make_ticket: Any, sla: Any
) -> None:
    from yunwei.sla import actions as sla_actions

    sla_actions.update_agreement(
        sla,
        actor=None,
        escalations=[{"kind": "resolution", "at_percent": 50, "action": "raise_priority"}],
    )
    start = dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False):
        ticket = make_ticket(impact="medium", urgency="medium")
    assert ticket.priority == "general"
    record = SlaRecord.objects.get(object_id=ticket.pk, kind="resolution")
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        fired = escalation.check(record.pk)
    assert any("50%" in item for item in fired)
    ticket.refresh_from_db()
    assert ticket.priority == "important"
    # The queue copy of the due time follows the new target.
    record.refresh_from_db()
    assert ticket.due_at == record.due_at or ticket.due_at is not None


@pytest.mark.django_db
def test_the_queue_copy_of_the_due_time_follows_pauses_and_breaches(
    agent: Any, make_ticket: Any, sla: Any
) -> None:
    start = dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False):
        ticket = make_ticket(impact="high", urgency="high")
    ticket.refresh_from_db()
    records = SlaRecord.objects.filter(object_id=ticket.pk)
    assert ticket.due_at == min(r.due_at for r in records)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        for record in records:
            escalation.check(record.pk)
    ticket.refresh_from_db()
    assert ticket.sla_breached is True  # the 30-minute response target passed


@pytest.mark.django_db
def test_assignment_rules_route_new_tickets(
    agent: Any, team_lead: Any, make_ticket: Any, sla: Any, desk: Any, service: Any
) -> None:
    actions.create_assignment_rule(
        actor=None, name="Desktop", service=service, team=desk, method="round_robin"
    )
    first, second, third = make_ticket(), make_ticket(), make_ticket()
    assignees = [t.assignee for t in (first, second, third)]
    assert assignees == [agent, team_lead, agent]
    assert {t.team for t in (first, second, third)} == {desk}
    assert first.state == "assigned"


@pytest.mark.django_db
def test_mentions_add_watchers_and_only_reach_people_who_may_read(
    api_as: Any, agent: Any, team_lead: Any, requester: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    note = actions.add_comment(
        ticket,
        actor=agent,
        body=f"@{team_lead.email} 请看一下，@{requester.email} 不该收到",
        public=False,
    )
    assert list(note.mentions.all()) == [team_lead]
    assert set(ticket.watchers.all()) == {team_lead}


@pytest.mark.django_db
def test_lists_run_a_constant_number_of_queries(
    api_as: Any, agent: Any, make_ticket: Any, sla: Any
) -> None:
    client = api_as(agent)
    client.get("/api/v1/me")  # the token's first use is recorded once

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    make_ticket()
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="one")
    few_list, few_comments = (
        count("/api/v1/tickets"),
        count(f"/api/v1/tickets/{ticket.pk}/comments"),
    )
    few_detail = count(f"/api/v1/tickets/{ticket.pk}")
    for _ in range(6):
        make_ticket(tags=["打印机", "三楼"])
        actions.add_comment(ticket, actor=agent, body="more @" + agent.email)
    assert count("/api/v1/tickets") == few_list
    assert count(f"/api/v1/tickets/{ticket.pk}/comments") == few_comments
    assert count(f"/api/v1/tickets/{ticket.pk}") == few_detail


@pytest.mark.django_db
def test_filters_narrow_the_queue(
    api_as: Any, agent: Any, requester: Any, make_ticket: Any, sla: Any, service: Any
) -> None:
    mine = make_ticket(title="Mine")
    actions.update_ticket(mine, actor=agent, assignee=agent)
    make_ticket(title="Other", impact="low", urgency="low", tags=["vpn"])
    client = api_as(agent)

    def refs(**params: Any) -> list[str]:
        body = client.get("/api/v1/tickets", params).json()
        return sorted(t["title"] for t in body["items"])

    assert refs(assignee=agent.pk) == ["Mine"]
    assert refs(unassigned=True) == ["Other"]
    assert refs(priority="unimportant") == ["Other"]
    assert refs(tag="vpn") == ["Other"]
    assert refs(state="assigned") == ["Mine"]
    assert refs(service=service.pk) == ["Mine", "Other"]
    bad = client.get("/api/v1/tickets", {"ordering": "password"})
    assert bad.status_code == 422


@pytest.mark.django_db
def test_a_customer_filtering_by_team_learns_nothing(
    api_as: Any, requester: Any, make_ticket: Any, sla: Any, desk: Any
) -> None:
    make_ticket()
    client = api_as(requester)
    assert client.get("/api/v1/tickets", {"team": desk.pk}).json()["count"] == 0
    assert client.get("/api/v1/tickets").json()["items"][0]["team"] is None


@pytest.mark.django_db
def test_inactive_requester_and_users_of_other_organizations_cannot_watch(
    api_as: Any, agent: Any, requester: Any, service: Any, sla: Any
) -> None:
    stranger = UserFactory(organization=OrganizationFactory(code="x"), roles=["requester"])
    response = api_as(agent).post(
        "/api/v1/tickets",
        {
            "title": "x",
            "service": service.pk,
            "requester": requester.pk,
            "watchers": [stranger.pk],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "watchers"


@pytest.mark.django_db
def test_a_team_or_customer_named_by_an_assignment_rule_is_not_deleted_under_it(
    api_as: Any, admin: Any, desk: Any, service: Any
) -> None:
    lonely = OrganizationFactory(code="lonely", name="Lonely")
    actions.create_assignment_rule(
        actor=None, name="Lonely", organization=lonely, team=desk, service=service
    )
    client = api_as(admin)
    team = client.delete(f"/api/v1/teams/{desk.pk}")
    assert team.status_code == 422
    assert "assignment rules" in team.json()["detail"]
    org = client.delete(f"/api/v1/organizations/{lonely.pk}")
    assert org.status_code == 422
    assert "deactivate" in org.json()["detail"]


@pytest.mark.django_db
def test_a_calendar_change_moves_the_due_time_the_queue_sorts_by(
    agent: Any, make_ticket: Any, sla: Any, office_calendar: Any
) -> None:
    from yunwei.sla import actions as sla_actions

    start = dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False):
        ticket = make_ticket(impact="high", urgency="high")
    before = Ticket.objects.get(pk=ticket.pk).due_at
    mornings = {day: [["09:00", "12:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        sla_actions.update_calendar(office_calendar, actor=None, hours=mornings)
    ticket.refresh_from_db()
    records = SlaRecord.objects.filter(object_id=ticket.pk, state__in=["running", "paused"])
    assert ticket.due_at == min(r.due_at for r in records)
    assert ticket.due_at == before  # the response (10:30) is still the nearest
    resolution = records.get(kind="resolution")
    # 240 minutes from 10:00 in mornings only: 2 h today, 2 h tomorrow → Tue 11:00.
    assert resolution.due_at == dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_problems_run_no_sla_clocks(agent: Any, service: Any, sla: Any) -> None:
    problem = actions.create_ticket(
        actor=agent, type="problem", title="反复断网的根因", service=service, requester=agent
    )
    assert not SlaRecord.objects.filter(object_id=problem.pk).exists()
    problem.refresh_from_db()
    assert (problem.due_at, problem.sla_breached) == (None, False)
