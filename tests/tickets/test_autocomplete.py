"""Choices among many (organizations, agents, people) are found by typing: the pages carry
only the chosen value, and the autocomplete answers only with what the user may see."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import OrganizationFactory, UserFactory
from yunwei.catalog.actions import update_service
from yunwei.tickets import actions
from yunwei.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket: Any, sla: Any, desk: Any) -> Ticket:
    return make_ticket(description="打印机卡纸", impact="high", urgency="high")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def matches(client: Client, source: str, **params: Any) -> list[str]:
    response = client.get(f"/autocomplete/{source}/", params)
    assert response.status_code == 200
    page = response.content.decode()
    return re.findall(r'<li class="dropdown-item" role="option"[^>]*>([^<]*)</li>', page)


def options_of(page: str, name: str) -> list[str]:
    """The option labels of the select named `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, flags=re.S)
    assert select is not None, name
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select[1])]


def add_customers(count: int, provider: Any) -> None:
    for n in range(count):
        organization = OrganizationFactory(name=f"Kunde {n:03}", code=f"kunde-{n:03}")
        UserFactory(name=f"Kontakt {n:03}", organization=organization, roles=["requester"])
        UserFactory(name=f"Agentin {n:03}", organization=provider, roles=["agent"])


# --- the autocomplete ---------------------------------------------------------------------


def test_an_agent_finds_organizations_by_name_or_code(
    agent: Any, customer: Any, other_customer: Any
) -> None:
    client = signed_in(agent)
    assert matches(client, "organizations", q="acm") == ["Acme"]
    assert matches(client, "organizations", q="GLOBEX") == ["Globex"]
    assert matches(client, "organizations", q="provider") == ["Provider"]
    assert matches(client, "organizations") == ["Acme", "Globex", "Provider"]


def test_the_autocomplete_answers_at_most_twenty_and_says_there_are_more(
    agent: Any, provider: Any
) -> None:
    add_customers(25, provider)
    response = signed_in(agent).get("/autocomplete/organizations/", {"q": "kunde"})
    found = matches(signed_in(agent), "organizations", q="kunde")
    assert found == [f"Kunde {n:03}" for n in range(20)]
    assert "More than these: type more to narrow the list." in response.content.decode()
    assert matches(signed_in(agent), "organizations", q="kunde 024") == ["Kunde 024"]


def test_no_match_says_so(agent: Any, customer: Any) -> None:
    response = signed_in(agent).get("/autocomplete/organizations/", {"q": "无此公司"})
    assert 'aria-disabled="true"' in response.content.decode()
    assert "No matches" in response.content.decode()


def test_a_customer_gets_only_their_own_organization_and_people(
    requester: Any, other_requester: Any, agent: Any
) -> None:
    client = signed_in(requester)
    assert matches(client, "organizations") == ["Acme"]
    assert matches(client, "organizations", q="globex") == []
    assert matches(client, "people") == [f"{requester.name} · req@acme.example · Acme"]
    assert matches(client, "people", q="globex") == []
    assert matches(client, "people", organization=other_requester.organization_id) == []


def test_a_customer_may_not_list_the_providers_agents(requester: Any, agent: Any) -> None:
    response = signed_in(requester).get("/autocomplete/agents/", {"q": "agent"})
    assert response.status_code == 403
    assert "agent@provider.example" not in response.content.decode()


def test_agents_are_the_providers_active_people(
    agent: Any, team_lead: Any, requester: Any, provider: Any
) -> None:
    UserFactory(name="Gone", email="gone@provider.example", organization=provider, is_active=False)
    found = matches(signed_in(agent), "agents")
    assert found == sorted(found)
    assert {label.split(" · ")[1] for label in found} == {
        "agent@provider.example",
        "lead@provider.example",
    }


def test_people_narrow_to_one_organization_and_optionally_the_provider(
    agent: Any, requester: Any, other_requester: Any
) -> None:
    client = signed_in(agent)
    acme = requester.organization_id
    assert [m.split(" · ")[1] for m in matches(client, "people", organization=acme)] == [
        "req@acme.example"
    ]
    with_staff = matches(client, "people", organization=acme, staff=1)
    assert {m.split(" · ")[1] for m in with_staff} == {"req@acme.example", "agent@provider.example"}


@pytest.mark.parametrize("value", ["acme", "-1", "1" * 30, "²", "9" * 5000])
def test_a_bad_organization_is_a_400_naming_it(agent: Any, value: str) -> None:
    response = signed_in(agent).get("/autocomplete/people/", {"organization": value})
    assert response.status_code == 400
    assert response.content.decode().startswith("organization")


def test_an_unknown_source_is_404_and_a_stranger_signs_in_first(agent: Any) -> None:
    assert signed_in(agent).get("/autocomplete/tickets/").status_code == 404
    response = Client().get("/autocomplete/organizations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_autocomplete_runs_as_many_queries_whatever_the_number_of_people(
    agent: Any, provider: Any
) -> None:
    add_customers(5, provider)
    client = signed_in(agent)
    client.get("/autocomplete/people/")  # the session and the user are loaded once
    with CaptureQueriesContext(connection) as few:
        client.get("/autocomplete/people/", {"q": "k"})
    add_customers(30, provider)
    with CaptureQueriesContext(connection) as many:
        client.get("/autocomplete/people/", {"q": "k"})
    assert len(many) == len(few)


# --- the queue ----------------------------------------------------------------------------


def _queue(client: Client, params: dict[str, Any] | None = None) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/tickets/", params or {})
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_queue_page_does_not_grow_with_organizations_and_agents(
    ticket: Ticket, agent: Any, provider: Any, desk: Any
) -> None:
    client = signed_in(agent)
    add_customers(3, provider)
    _queue(client)  # warm caches
    few_page, few = _queue(client)
    add_customers(60, provider)
    many_page, many = _queue(client)
    assert many == few
    assert "Kunde 050" not in many_page
    assert "Agentin 050" not in many_page
    assert abs(len(many_page) - len(few_page)) < 200  # the same page, give or take a digit
    assert options_of(many_page, "organization") == ["Any"]
    assert options_of(many_page, "assignee") == ["Any"]
    assert options_of(many_page, "bulk-assignee") == ["---------"]


def test_the_queue_filters_by_a_chosen_organization_and_assignee(
    make_ticket: Any,
    ticket: Ticket,
    agent: Any,
    other_requester: Any,
    other_customer: Any,
    service: Any,
) -> None:
    update_service(
        service, actor=None, organizations=[*service.organizations.all(), other_customer]
    )
    other = make_ticket(title="VPN 无法连接", actor=agent, requester=other_requester)
    actions.transition_ticket(other, actor=agent, to="assigned", assignee=agent)
    client = signed_in(agent)
    page, _ = _queue(client, {"organization": other_requester.organization_id})
    assert other.reference in page
    assert ticket.reference not in page
    assert options_of(page, "organization") == ["Any", "Globex"]
    page, _ = _queue(client, {"assignee": agent.pk})
    assert (other.reference in page, ticket.reference in page) == (True, False)
    assert options_of(page, "assignee") == ["Any", f"{agent.name} · agent@provider.example"]


@pytest.mark.parametrize("value", ["999999", "abc", "9" * 30, "²", "9" * 5000])
def test_an_unknown_organization_or_assignee_is_refused_as_before(
    ticket: Ticket, agent: Any, value: str
) -> None:
    for name in ("organization", "assignee"):
        page, _ = _queue(signed_in(agent), {name: value})
        assert ticket.reference not in page
        assert "Select a valid choice" in page
        assert options_of(page, name) == ["Any"]


def test_a_customer_is_refused_another_organization_and_has_no_such_filters(
    ticket: Ticket, requester: Any, other_customer: Any
) -> None:
    page, _ = _queue(signed_in(requester), {"organization": other_customer.pk})
    assert ticket.reference in page  # the filter does not exist for them: ignored
    assert 'name="organization"' not in page
    assert 'name="assignee"' not in page
    assert "/autocomplete/" not in page


def test_the_queue_loads_the_autocomplete_script(agent: Any) -> None:
    page, _ = _queue(signed_in(agent))
    assert "yunwei/autocomplete.js" in page
    assert 'hx-get="/autocomplete/organizations/"' in page
    assert 'hx-get="/autocomplete/agents/"' in page


# --- the ticket page and forms -----------------------------------------------------------


def test_the_ticket_page_lists_no_agents_and_does_not_grow_with_them(
    ticket: Ticket, agent: Any, provider: Any, desk: Any
) -> None:
    client = signed_in(agent)
    add_customers(3, provider)
    client.get(f"/tickets/{ticket.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/tickets/{ticket.pk}/")
    add_customers(40, provider)
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert len(many) == len(few)
    assert "Agentin 030" not in page
    assert options_of(page, "t-assigned-assignee") == ["---------"]
    assert 'hx-get="/autocomplete/agents/"' in page


def test_the_assign_form_shows_the_current_assignee_and_still_assigns(
    ticket: Ticket, agent: Any, team_lead: Any, desk: Any
) -> None:
    actions.transition_ticket(ticket, actor=agent, to="assigned", assignee=agent)
    actions.transition_ticket(ticket, actor=agent, to="in_progress")  # may be reassigned
    client = signed_in(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert options_of(page, "t-assigned-assignee") == [
        "---------",
        f"{agent.name} · agent@provider.example",
    ]
    client.post(
        f"/tickets/{ticket.pk}/transition/", {"to": "assigned", "t-assigned-assignee": team_lead.pk}
    )
    ticket.refresh_from_db()
    assert ticket.assignee == team_lead


def test_the_new_ticket_form_lists_no_people_and_raises_with_the_chosen_ones(
    agent: Any, requester: Any, team_lead: Any, provider: Any, service: Any
) -> None:
    add_customers(30, provider)
    client = signed_in(agent)
    page = client.get("/tickets/new/").content.decode()
    assert "Kontakt 020" not in page
    assert "Agentin 020" not in page
    assert options_of(page, "requester") == ["---------"]
    assert options_of(page, "assignee") == ["---------"]
    assert 'hx-get="/autocomplete/people/"' in page
    response = client.post(
        "/tickets/new/",
        {
            "type": "incident",
            "title": "打印机卡纸",
            "service": service.pk,
            "impact": "medium",
            "urgency": "medium",
            "channel": "phone",
            "requester": requester.pk,
            "assignee": team_lead.pk,
            "watchers": [agent.pk, team_lead.pk],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="打印机卡纸")
    assert (ticket.requester, ticket.assignee) == (requester, team_lead)
    assert set(ticket.watchers.all()) == {agent, team_lead}


def test_the_edit_form_searches_the_tickets_organization_and_shows_the_chosen(
    ticket: Ticket, agent: Any, requester: Any
) -> None:
    actions.update_ticket(ticket, actor=agent, watchers=[agent])
    page = signed_in(agent).get(f"/tickets/{ticket.pk}/edit/").content.decode()
    acme = requester.organization_id
    assert f'hx-get="/autocomplete/people/?organization={acme}"' in page
    assert f'hx-get="/autocomplete/people/?organization={acme}&amp;staff=1"' in page
    assert options_of(page, "requester") == ["---------", f"{requester.name} · req@acme.example"]
    assert re.search(rf'name="watchers" value="{agent.pk}" checked', page)


def test_an_invisible_requester_is_refused_and_nothing_is_raised(
    agent: Any, other_requester: Any, ticket: Ticket, service: Any
) -> None:
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/edit/",
        {
            "title": ticket.title,
            "service": service.pk,
            "impact": "medium",
            "urgency": "medium",
            "requester": other_requester.pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.requester != other_requester
