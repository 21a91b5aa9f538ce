"""Defects found in review, each pinned by the behaviour a user would notice."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import UserFactory
from yunwei.catalog import actions as catalog_actions
from yunwei.core.markup import render_markdown
from yunwei.sla.models import SlaRecord
from yunwei.tickets import actions
from yunwei.tickets.models import Comment, Ticket


@pytest.mark.django_db
def test_time_spent_on_a_public_reply_stays_out_of_the_customers_history(
    api_as: Any, requester: Any, agent: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="已处理", time_spent_minutes=37)
    history = api_as(requester).get(f"/api/v1/tickets/{ticket.pk}/history").json()
    assert "time_spent_minutes" not in str(history)
    assert "已处理" in str(history)


@pytest.mark.django_db
def test_a_link_to_another_organizations_ticket_is_not_shown_to_the_customer(
    api_as: Any, requester: Any, other_requester: Any, agent: Any, service: Any, sla: Any
) -> None:
    ours = actions.create_ticket(actor=requester, title="ours", service=service)
    catalog_actions.update_service(
        service, actor=None, organizations=[requester.organization, other_requester.organization]
    )
    theirs = actions.create_ticket(actor=other_requester, title="theirs", service=service)
    actions.link_tickets(ours, theirs, actor=agent, kind="related")
    history = str(api_as(requester).get(f"/api/v1/tickets/{ours.pk}/history").json())
    assert theirs.reference not in history


@pytest.mark.django_db
def test_closing_with_a_note_keeps_the_note(
    api_as: Any, requester: Any, agent: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    actions.transition_ticket(ticket, actor=agent, to="resolved", resolution="solved", note="ok")
    response = api_as(requester).post(
        f"/api/v1/tickets/{ticket.pk}/transition", {"to": "closed", "note": "谢谢，已解决"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "closed"
    assert Comment.objects.get(ticket=ticket).body == "谢谢，已解决"


@pytest.mark.django_db
def test_only_the_requester_confirms_or_reopens_and_rates_after_resolution(
    api_as: Any, requester: Any, agent: Any, make_ticket: Any, sla: Any
) -> None:
    colleague = UserFactory(organization=requester.organization, roles=["requester"])
    ticket = make_ticket()
    early = api_as(requester).post(f"/api/v1/tickets/{ticket.pk}/survey", {"score": 5})
    assert early.status_code == 409
    actions.transition_ticket(ticket, actor=agent, to="resolved", resolution="solved", note="ok")
    closing = api_as(colleague).post(f"/api/v1/tickets/{ticket.pk}/transition", {"to": "closed"})
    assert closing.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).state == "resolved"
    rated = api_as(requester).post(f"/api/v1/tickets/{ticket.pk}/survey", {"score": 2})
    assert rated.status_code == 200
    actions.transition_ticket(ticket, actor=requester, to="reopened")
    again = api_as(requester).post(f"/api/v1/tickets/{ticket.pk}/survey", {"score": 5})
    assert again.status_code == 409  # the rating given stays; none while open
    actions.transition_ticket(ticket, actor=agent, to="resolved", resolution="solved", note="ok")
    ticket.survey.refresh_from_db()
    assert ticket.survey.score == 2


@pytest.mark.django_db
def test_moving_to_a_service_with_an_agreement_starts_the_clocks(
    api_as: Any, agent: Any, requester: Any, service: Any, sla: Any
) -> None:
    bare = catalog_actions.create_service(
        actor=None, code="bare", name_en="Bare", category="other",
        organizations=[requester.organization],
    )  # fmt: skip
    ticket = actions.create_ticket(actor=requester, title="x", service=bare)
    assert not SlaRecord.objects.filter(object_id=ticket.pk).exists()
    moved = api_as(agent).patch(f"/api/v1/tickets/{ticket.pk}", {"service": service.pk})
    assert {e["kind"] for e in moved.json()["sla"]} == {"response", "resolution"}


@pytest.mark.django_db
def test_thousands_of_mentions_are_refused_politely_or_capped(
    api_as: Any, requester: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    body = " ".join(f"@u{i}" for i in range(3000))
    response = api_as(requester).post(f"/api/v1/tickets/{ticket.pk}/comments", {"body": body})
    assert response.status_code == 201


@pytest.mark.django_db
def test_bulk_with_a_null_note_and_bulk_assign_to_a_team(
    api_as: Any, team_lead: Any, make_ticket: Any, sla: Any, desk: Any
) -> None:
    tickets = [make_ticket(), make_ticket()]
    client = api_as(team_lead)
    ids = [t.pk for t in tickets]
    moved = client.post("/api/v1/tickets/bulk", {"ids": ids, "to": "in_progress", "note": None})
    assert moved.status_code == 200, moved.content
    to_team = client.post("/api/v1/tickets/bulk", {"ids": ids, "to": "assigned", "team": desk.pk})
    assert to_team.status_code == 200, to_team.content
    assert set(Ticket.objects.values_list("team", flat=True)) == {desk.pk}


@pytest.mark.django_db
def test_an_infinite_number_in_a_custom_field_is_refused_by_name(
    api_as: Any, requester: Any, service: Any, sla: Any
) -> None:
    category = actions.create_category(
        actor=None, name_en="Disk", fields=[{"name": "size_gb", "type": "number"}]
    )
    for value in ("1.0e999", "nan", 10**30):
        response = api_as(requester).post(
            "/api/v1/tickets",
            {"title": "x", "service": service.pk, "category": category.pk,
             "custom_fields": {"size_gb": value}},
        )  # fmt: skip
        assert response.status_code == 422, value
        assert "size_gb" in response.json()["errors"][0]["message"]


def test_markdown_images_are_not_rendered() -> None:
    html = render_markdown("![x](http://10.0.0.1/pixel.png) <img src=http://evil/>")
    assert "<img" not in html


@pytest.mark.django_db
def test_an_escalation_that_takes_the_ticket_off_its_assignee_puts_it_back_in_the_queue(
    agent: Any, make_ticket: Any, sla: Any, desk: Any
) -> None:
    from yunwei.tickets.sla_link import escalate_reassign

    ticket = make_ticket()
    actions.update_ticket(ticket, actor=agent, assignee=agent)
    other = type(desk).objects.create(name="Second line")
    escalate_reassign(Ticket.objects.get(pk=ticket.pk), other)
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee, ticket.state) == (other, None, "new")
