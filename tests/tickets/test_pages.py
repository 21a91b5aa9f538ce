"""The service desk pages: the queue, a ticket's page and its changes through POSTs, and
the forms that raise and edit tickets — for the agent and the customer's requester,
with the other organization kept out and internal notes never shown to customers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yunwei.core.models import AuditEntry
from yunwei.tickets import actions
from yunwei.tickets.models import Comment, SavedView, Survey, Ticket, TicketLink

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
SECRET = "内部备注：服务器密码在保险柜 7F3K"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def htmx(client: Client) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true"}


def headers(page: str) -> list[str]:
    """The queue's column headers."""
    cells = re.findall(r"<th\b[^>]*>(.*?)</th>", page, flags=re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def changes_of(ticket: Ticket, name: str) -> Any:
    """The old and new value of `name` in the ticket's latest audit entry that has it."""
    for entry in AuditEntry.objects.for_object(ticket).order_by("-id"):
        if name in entry.changes:
            return entry.changes[name]
    return None


def snapshot(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (
        ticket.state,
        ticket.assignee_id,
        ticket.team_id,
        ticket.priority,
        ticket.resolution_code,
        ticket.updated_at,
        Comment.objects.filter(ticket=ticket).count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def ticket(make_ticket: Any, sla: Any, desk: Any) -> Ticket:
    with time_machine.travel(MONDAY_10, tick=False):
        return make_ticket(
            description="打印机 **卡纸**，三楼东侧", impact="high", urgency="high", tags=["打印机"]
        )


@pytest.fixture
def with_note(ticket: Ticket, agent: Any) -> Ticket:
    actions.add_comment(ticket, actor=agent, body=SECRET, public=False)
    actions.add_comment(ticket, actor=agent, body="您好，我们正在处理。", public=True)
    return ticket


# --- the queue ---------------------------------------------------------------------------


def test_the_queue_shows_an_agent_every_column_and_the_bulk_bar(ticket: Ticket, agent: Any) -> None:
    page = signed_in(agent).get("/tickets/").content.decode()
    assert ticket.reference in page
    assert "打印机无法打印" in page
    assert 'data-testid="bulk-bar"' in page
    assert headers(page) == [
        "",
        "Reference",
        "Title",
        "Priority",
        "State",
        "Service",
        "Organization",
        "Requester",
        "Assignee",
        "Team",
        "SLA",
        "Age",
    ]
    with time_machine.travel(MONDAY_10 + dt.timedelta(minutes=5), tick=False):
        page = signed_in(agent).get("/tickets/").content.decode()
    assert 'data-sla="green"' in page  # 25 of 30 minutes left to respond
    assert 'data-priority="urgent"' in page


def test_the_queue_shows_a_requester_their_organizations_tickets_without_provider_columns(
    ticket: Ticket, requester: Any
) -> None:
    response = signed_in(requester).get("/tickets/")
    page = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in page
    assert 'data-testid="bulk-bar"' not in page
    assert "bulk-ids" not in page
    assert headers(page) == [
        "Reference",
        "Title",
        "Priority",
        "State",
        "Service",
        "Requester",
        "Assignee",
        "SLA",
        "Age",
    ]


def test_another_organizations_requester_gets_an_empty_queue(
    ticket: Ticket, other_requester: Any
) -> None:
    page = signed_in(other_requester).get("/tickets/").content.decode()
    assert ticket.reference not in page
    assert 'data-testid="queue-empty"' in page
    search = signed_in(other_requester).get("/tickets/", {"q": "打印机"}).content.decode()
    assert ticket.reference not in search


def test_the_queue_filters_through_get_parameters(
    make_ticket: Any, ticket: Ticket, agent: Any, desk: Any
) -> None:
    other = make_ticket(title="VPN 无法连接", impact="low", urgency="low")
    actions.transition_ticket(other, actor=agent, to="assigned", assignee=agent)
    client = signed_in(agent)

    def references(**params: Any) -> set[str]:
        page = client.get("/tickets/", params).content.decode()
        return {t.reference for t in (ticket, other) if t.reference in page}

    assert references() == {ticket.reference, other.reference}
    assert references(priority="urgent") == {ticket.reference}
    assert references(view="mine") == {other.reference}
    assert references(view="unassigned") == {ticket.reference}
    assert references(assignee=agent.pk) == {other.reference}
    assert references(state=["new", "in_progress"]) == {ticket.reference}
    assert references(tag="打印机") == {ticket.reference}
    assert references(view="team") == {other.reference}
    assert references(view="open", breached="true") == set()


def test_sorting_by_priority_puts_urgent_first(
    make_ticket: Any, ticket: Ticket, agent: Any
) -> None:
    low = make_ticket(title="键盘坏了", impact="low", urgency="low")
    page = signed_in(agent).get("/tickets/", {"ordering": "-priority"}).content.decode()
    assert page.index(ticket.reference) < page.index(low.reference)
    page = signed_in(agent).get("/tickets/", {"ordering": "priority"}).content.decode()
    assert page.index(low.reference) < page.index(ticket.reference)


def test_searching_shows_a_highlighted_snippet(ticket: Ticket, agent: Any) -> None:
    page = signed_in(agent).get("/tickets/", {"q": "卡纸"}).content.decode()
    assert ticket.reference in page
    assert "<mark>卡纸</mark>" in page


def test_an_internal_note_never_reaches_the_requesters_queue_or_search(
    with_note: Ticket, requester: Any, agent: Any
) -> None:
    client = signed_in(requester)
    assert SECRET not in client.get("/tickets/").content.decode()
    found = client.get("/tickets/", {"q": "保险柜"}).content.decode()
    assert with_note.reference not in found
    assert SECRET not in found
    # The agent finds the ticket by its note.
    assert (
        with_note.reference in signed_in(agent).get("/tickets/", {"q": "保险柜"}).content.decode()
    )


def test_an_htmx_filter_request_gets_the_table_fragment(ticket: Ticket, agent: Any) -> None:
    page = signed_in(agent).get("/tickets/", {"q": "打印机"}, **htmx(None)).content.decode()
    assert ticket.reference in page
    assert "<html" not in page
    assert 'data-testid="ticket-queue"' in page


def _queue_queries(client: Client, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/tickets/", params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_the_queue_runs_a_constant_number_of_queries(
    make_ticket: Any,
    sla: Any,
    desk: Any,
    who: str,
    request: Any,
    agent: Any,
    django_assert_max_num_queries: Any,
) -> None:
    user = request.getfixturevalue(who)
    client = signed_in(user)
    for n in range(5):
        t = make_ticket(title=f"打印机 {n}", tags=["打印机", f"t{n}"])
        actions.transition_ticket(t, actor=agent, to="assigned", assignee=agent)
    client.get("/tickets/")  # warm caches (calendars, content types)
    few = _queue_queries(client, {"per_page": 50})
    few_search = _queue_queries(client, {"per_page": 50, "q": "打印机"})
    for n in range(25):
        t = make_ticket(title=f"打印机 {n}", tags=["打印机", f"u{n}"])
        actions.transition_ticket(t, actor=agent, to="assigned", assignee=agent)
    assert _queue_queries(client, {"per_page": 50}) == few
    assert _queue_queries(client, {"per_page": 50, "q": "打印机"}) == few_search
    with django_assert_max_num_queries(few):
        assert "打印机 24" in client.get("/tickets/", {"per_page": 50}).content.decode()


def test_the_queue_stays_within_its_query_budget(
    make_ticket: Any, sla: Any, agent: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        make_ticket(title=f"网络 {n}")
    client = signed_in(agent)
    client.get("/tickets/")
    with django_assert_max_num_queries(30):
        assert client.get("/tickets/", {"per_page": 30}).status_code == 200


def test_bulk_assign_changes_every_ticked_ticket_and_writes_audit_entries(
    make_ticket: Any, ticket: Ticket, agent: Any, team_lead: Any, desk: Any
) -> None:
    other = make_ticket(title="邮箱满了")
    response = signed_in(agent).post(
        "/tickets/bulk/",
        {
            "bulk-ids": [ticket.pk, other.pk],
            "bulk-operation": "assign",
            "bulk-assignee": team_lead.pk,
            "bulk-next": "/tickets/?view=open",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/tickets/?view=open"
    for t in (ticket, other):
        t.refresh_from_db()
        assert (t.assignee, t.state) == (team_lead, "assigned")
        assert changes_of(t, "assignee") == [None, team_lead.pk]


def test_bulk_resolve_without_a_note_changes_nothing(ticket: Ticket, agent: Any) -> None:
    client = signed_in(agent)
    before = snapshot(ticket)
    response = client.post(
        "/tickets/bulk/",
        {"bulk-ids": [ticket.pk], "bulk-operation": "resolve", "bulk-resolution": "solved"},
        follow=True,
    )
    assert "Say how it was resolved." in response.content.decode()
    assert snapshot(ticket) == before


def test_bulk_add_tags_keeps_the_tags_a_ticket_has(ticket: Ticket, agent: Any) -> None:
    signed_in(agent).post(
        "/tickets/bulk/",
        {"bulk-ids": [ticket.pk], "bulk-operation": "tags", "bulk-tags": "三楼, 硬件"},
    )
    assert sorted(t.name for t in ticket.tags.all()) == sorted(["打印机", "三楼", "硬件"])


def test_a_requester_may_not_bulk_update(ticket: Ticket, requester: Any) -> None:
    client = signed_in(requester)
    before = snapshot(ticket)
    response = client.post(
        "/tickets/bulk/",
        {"bulk-ids": [ticket.pk], "bulk-operation": "priority", "bulk-priority": "general"},
    )
    assert response.status_code == 403
    assert snapshot(ticket) == before


def test_an_agent_saves_and_deletes_a_view(ticket: Ticket, agent: Any) -> None:
    client = signed_in(agent)
    response = client.post(
        "/tickets/views/", {"view-name": "我的紧急单", "view-query": "priority=urgent&view=open"}
    )
    assert response.status_code == 302
    saved = SavedView.objects.get(owner=agent)
    assert (saved.name, saved.query, saved.shared) == (
        "我的紧急单",
        "priority=urgent&view=open",
        False,
    )
    page = client.get("/tickets/", {"priority": "urgent", "view": "open"}).content.decode()
    assert "我的紧急单" in page
    client.post(f"/tickets/views/{saved.pk}/delete/")
    assert not SavedView.objects.exists()


# --- the ticket page ----------------------------------------------------------------------


def test_the_ticket_page_shows_an_agent_everything(with_note: Ticket, agent: Any) -> None:
    page = signed_in(agent).get(f"/tickets/{with_note.pk}/").content.decode()
    assert with_note.reference in page
    assert "<strong>卡纸</strong>" in page  # the sanitised Markdown
    assert SECRET in page
    assert "list-group-item comment-internal" in page
    assert 'data-testid="sla-response"' in page
    assert 'data-testid="transition-resolved"' in page
    assert 'data-testid="assign-to-me"' in page
    assert 'data-testid="history"' in page


def test_the_ticket_page_never_shows_a_requester_an_internal_note(
    with_note: Ticket, requester: Any
) -> None:
    response = signed_in(requester).get(f"/tickets/{with_note.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "您好，我们正在处理。" in page
    assert SECRET not in page
    assert "保险柜" not in page
    assert "list-group-item comment-internal" not in page
    assert 'name="visibility"' not in page
    assert 'data-testid="assign-to-me"' not in page
    assert 'data-testid="transition-resolved"' not in page


def test_another_organizations_requester_gets_404_for_the_ticket(
    ticket: Ticket, other_requester: Any
) -> None:
    client = signed_in(other_requester)
    before = snapshot(ticket)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert client.post(f"/tickets/{ticket.pk}/reply/", {"body": "hi"}).status_code == 404
    assert client.post(f"/tickets/{ticket.pk}/transition/", {"to": "closed"}).status_code == 404
    assert snapshot(ticket) == before


def test_get_never_changes_anything(ticket: Ticket, agent: Any, requester: Any) -> None:
    clients = (signed_in(agent), signed_in(requester))
    before = snapshot(ticket)
    for client in clients:
        for path in (
            "reply",
            "transition",
            "analysis",
            "links",
            "links/remove",
            "attachments",
            "survey",
        ):
            response = client.get(f"/tickets/{ticket.pk}/{path}/", {"to": "resolved", "body": "x"})
            assert response.status_code == 405, path
        assert client.get("/tickets/bulk/").status_code in (403, 405)
        client.get(f"/tickets/{ticket.pk}/")
        client.get("/tickets/")
    assert snapshot(ticket) == before


def test_an_agent_replies_publicly_through_the_page(ticket: Ticket, agent: Any) -> None:
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/reply/",
        {"visibility": "public", "body": "请重启打印机后再试", "time_spent_minutes": "5"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/#conversation"
    comment = Comment.objects.get(ticket=ticket)
    assert (comment.public, comment.body, comment.time_spent_minutes) == (
        True,
        "请重启打印机后再试",
        5,
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    entries = AuditEntry.objects.for_object(comment).order_by("id")
    assert [e.action for e in entries] == ["create", "update"]
    # The time spent is recorded apart, for the provider only.
    assert entries[1].organization_id is None
    assert entries[1].changes == {"time_spent_minutes": [None, 5]}


def test_an_agent_writes_an_internal_note_with_htmx(ticket: Ticket, agent: Any) -> None:
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/reply/", {"visibility": "internal", "body": SECRET}, **htmx(None)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="comments" hx-swap-oob="true"' in page
    assert SECRET in page
    assert "Internal note added." in page
    comment = Comment.objects.get(ticket=ticket)
    assert comment.public is False
    entry = AuditEntry.objects.for_object(comment).get()
    assert entry.organization_id is None  # internal: never in the customer's history
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_a_requester_cannot_write_an_internal_note(ticket: Ticket, requester: Any) -> None:
    signed_in(requester).post(
        f"/tickets/{ticket.pk}/reply/", {"visibility": "internal", "body": "悄悄话"}
    )
    comment = Comment.objects.get(ticket=ticket)
    assert comment.public is True  # the field does not exist for customers


def test_an_empty_reply_shows_the_field_error(ticket: Ticket, agent: Any) -> None:
    client = signed_in(agent)
    before = snapshot(ticket)
    response = client.post(
        f"/tickets/{ticket.pk}/reply/", {"visibility": "public", "body": "  "}, **htmx(None)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="ticket-reply" hx-swap-oob="true"' in page
    assert "This field is required." in page
    assert snapshot(ticket) == before


def test_a_reply_with_a_file_attaches_it_to_the_comment(ticket: Ticket, requester: Any) -> None:
    upload = SimpleUploadedFile("error.txt", "打印机错误 E-23".encode(), content_type="text/plain")
    signed_in(requester).post(f"/tickets/{ticket.pk}/reply/", {"body": "见附件", "files": [upload]})
    comment = Comment.objects.get(ticket=ticket)
    file = comment.attachments.get()
    assert (file.name, file.public) == ("error.txt", True)
    page = signed_in(requester).get(f"/tickets/{ticket.pk}/").content.decode()
    assert f"/tickets/{ticket.pk}/attachments/{file.pk}/" in page


def test_a_reply_with_a_bad_file_writes_nothing(ticket: Ticket, requester: Any) -> None:
    client = signed_in(requester)
    before = snapshot(ticket)
    upload = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post(f"/tickets/{ticket.pk}/reply/", {"body": "见附件", "files": [upload]})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert snapshot(ticket) == before


def test_an_agent_assigns_the_ticket_to_themselves(ticket: Ticket, agent: Any, desk: Any) -> None:
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/transition/",
        {"to": "assigned", "t-assigned-assignee": agent.pk},
        **htmx(None),
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee, ticket.team) == ("assigned", agent, desk)
    assert 'id="ticket-header"' in response.content.decode()
    assert changes_of(ticket, "transition") == [None, "assigned"]


def test_an_agent_resolves_with_a_code_and_a_note(ticket: Ticket, agent: Any) -> None:
    response = signed_in(agent).post(
        f"/tickets/{ticket.pk}/transition/",
        {"to": "resolved", "t-resolved-resolution": "solved", "t-resolved-note": "更换了硒鼓"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.resolution_code, ticket.resolution_note) == (
        "resolved",
        "solved",
        "更换了硒鼓",
    )
    assert Survey.objects.filter(ticket=ticket, answered_at=None).exists()
    assert changes_of(ticket, "state") == ["new", "resolved"]


def test_resolving_without_a_note_shows_the_field_error_and_changes_nothing(
    ticket: Ticket, agent: Any
) -> None:
    client = signed_in(agent)
    before = snapshot(ticket)
    for headers in ({}, htmx(None)):
        response = client.post(
            f"/tickets/{ticket.pk}/transition/",
            {"to": "resolved", "t-resolved-resolution": "solved", "t-resolved-note": ""},
            **headers,
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="transition-resolved" open' in page.replace("\n", " ") or (
            'open data-testid="transition-resolved"' in page
        )
        assert "This field is required." in page
    assert snapshot(ticket) == before


def test_a_move_the_workflow_refuses_shows_the_error_and_changes_nothing(
    ticket: Ticket, agent: Any
) -> None:
    client = signed_in(agent)
    before = snapshot(ticket)
    response = client.post(f"/tickets/{ticket.pk}/transition/", {"to": "closed"})
    assert response.status_code == 200
    assert "This ticket cannot make that move from its current state." in response.content.decode()
    assert snapshot(ticket) == before


def test_the_requester_confirms_and_rates_a_resolved_ticket(
    ticket: Ticket, agent: Any, requester: Any
) -> None:
    actions.transition_ticket(ticket, actor=agent, to="resolved", resolution="solved", note="好了")
    client = signed_in(requester)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="survey-form"' in page
    assert 'data-testid="transition-closed"' in page
    assert 'data-testid="transition-reopened"' in page
    response = client.post(
        f"/tickets/{ticket.pk}/survey/", {"survey-score": "4", "survey-comment": "很快"}
    )
    assert response.status_code == 302
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment) == (4, "很快")
    client.post(f"/tickets/{ticket.pk}/transition/", {"to": "closed"})
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-score="4"' in page
    assert 'data-testid="reply-closed"' in page


def test_the_requester_reopens_a_resolved_ticket_with_a_note(
    ticket: Ticket, agent: Any, requester: Any
) -> None:
    actions.transition_ticket(ticket, actor=agent, to="resolved", resolution="solved", note="好了")
    signed_in(requester).post(
        f"/tickets/{ticket.pk}/transition/", {"to": "reopened", "t-reopened-note": "又坏了"}
    )
    ticket.refresh_from_db()
    # Whoever resolved it answers for it: it goes back to them.
    assert (ticket.state, ticket.reopen_count, ticket.assignee) == ("assigned", 1, agent)
    assert Comment.objects.get(ticket=ticket).body == "又坏了"


def test_only_the_requester_rates(ticket: Ticket, agent: Any) -> None:
    actions.transition_ticket(ticket, actor=agent, to="resolved", resolution="solved", note="好了")
    client = signed_in(agent)
    response = client.post(f"/tickets/{ticket.pk}/survey/", {"survey-score": "5"})
    assert response.status_code == 403
    response = client.post(f"/tickets/{ticket.pk}/survey/", {"survey-score": "5"}, **htmx(None))
    assert response.status_code == 403
    assert "Only the requester rates a ticket." in response.content.decode()
    assert Survey.objects.get(ticket=ticket).score is None


def test_an_agent_saves_the_analysis(ticket: Ticket, agent: Any, requester: Any) -> None:
    signed_in(agent).post(
        f"/tickets/{ticket.pk}/analysis/",
        {
            "analysis-analysis": "定影器过热",
            "analysis-root_cause": "风扇积灰",
            "analysis-workaround": "手动进纸",
        },
    )
    ticket.refresh_from_db()
    assert (ticket.analysis, ticket.root_cause, ticket.workaround) == (
        "定影器过热",
        "风扇积灰",
        "手动进纸",
    )
    page = signed_in(requester).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "手动进纸" in page
    assert "风扇积灰" not in page  # the root cause and its history entry are the provider's
    assert "定影器过热" not in page


def test_an_agent_links_an_incident_to_a_problem_and_to_a_duplicate(
    ticket: Ticket, make_ticket: Any, agent: Any, requester: Any
) -> None:
    problem = make_ticket(actor=agent, type="problem", title="打印机批量故障", requester=None)
    twin = make_ticket(title="打印机又不打印了")
    client = signed_in(agent)
    client.post(
        f"/tickets/{ticket.pk}/links/",
        {"link-kind": "problem", "link-reference": problem.reference.lower()},
    )
    client.post(
        f"/tickets/{twin.pk}/links/",
        {"link-kind": "duplicate_of", "link-reference": ticket.reference},
    )
    ticket.refresh_from_db()
    assert ticket.problem == problem
    assert TicketLink.objects.filter(source=twin, target=ticket, kind="duplicate_of").exists()
    page = client.get(f"/tickets/{problem.pk}/").content.decode()
    assert 'data-testid="problem-incident"' in page
    assert "Resolve the linked open incidents too" in page
    response = client.post(
        f"/tickets/{ticket.pk}/links/", {"link-kind": "related", "link-reference": "INC-999999"}
    )
    assert "No ticket INC-999999 that you can see." in response.content.decode()
    # The customer is not told about the provider's problem, not even its number.
    page = signed_in(requester).get(f"/tickets/{ticket.pk}/").content.decode()
    assert problem.reference not in page
    assert 'class="change-new">#' not in page
    link = TicketLink.objects.get()
    client.post(f"/tickets/{twin.pk}/links/remove/", {"link": link.pk})
    assert not TicketLink.objects.exists()
    client.post(f"/tickets/{ticket.pk}/links/remove/", {"field": "problem"})
    ticket.refresh_from_db()
    assert ticket.problem is None


def test_resolving_a_problem_can_resolve_its_incidents(
    ticket: Ticket, make_ticket: Any, agent: Any
) -> None:
    problem = make_ticket(actor=agent, type="problem", title="打印机批量故障", requester=None)
    actions.update_ticket(ticket, actor=agent, problem=problem)
    signed_in(agent).post(
        f"/tickets/{problem.pk}/transition/",
        {
            "to": "resolved",
            "t-resolved-resolution": "solved",
            "t-resolved-note": "固件升级",
            "t-resolved-resolve_incidents": "on",
        },
    )
    page = signed_in(agent).get("/tickets/", {"problem": problem.pk}).content.decode()
    assert ticket.reference in page
    ticket.refresh_from_db()
    assert ticket.state == "resolved"


def test_the_history_shows_old_and_new_values_and_hides_internal_entries_from_customers(
    ticket: Ticket, agent: Any, requester: Any, desk: Any
) -> None:
    actions.update_ticket(ticket, actor=agent, priority="general", team=desk)
    actions.add_comment(ticket, actor=agent, body=SECRET, public=False)
    agent_page = signed_in(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Urgent" in agent_page
    assert "General" in agent_page
    assert "Service desk" in agent_page
    customer_page = signed_in(requester).get(f"/tickets/{ticket.pk}/").content.decode()
    assert SECRET not in customer_page
    history = customer_page[customer_page.index('id="ticket-history"') :]
    assert "General" in history
    assert "Service desk" not in history  # the provider's team


def test_the_ticket_page_runs_a_constant_number_of_queries(
    ticket: Ticket, agent: Any, requester: Any, make_ticket: Any
) -> None:
    def count(user: Any) -> int:
        client = signed_in(user)
        client.get(f"/tickets/{ticket.pk}/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
        return len(queries)

    def add_one_of_each(n: int) -> None:
        actions.add_comment(ticket, actor=agent, body=f"more {n} @{agent.email}", public=n % 2 == 0)
        actions.add_comment(ticket, actor=requester, body=f"reply {n}")
        upload = SimpleUploadedFile(f"log{n}.txt", b"log line", content_type="text/plain")
        actions.add_attachment(ticket, actor=agent, name=upload.name, stream=upload)
        other = make_ticket(title=f"related {n}")
        actions.link_tickets(ticket, other, actor=agent, kind="related")
        actions.update_ticket(ticket, actor=agent, watchers=[agent, requester], tags=[f"t{n}"])

    add_one_of_each(0)
    few = {user.pk: count(user) for user in (agent, requester)}
    for n in range(1, 7):
        add_one_of_each(n)
    assert {user.pk: count(user) for user in (agent, requester)} == few


def test_an_agent_uploads_an_internal_file_the_requester_never_sees(
    ticket: Ticket, agent: Any, requester: Any
) -> None:
    upload = SimpleUploadedFile("config.txt", b"password=1234", content_type="text/plain")
    signed_in(agent).post(
        f"/tickets/{ticket.pk}/attachments/", {"files": [upload], "internal": "on"}
    )
    file = ticket.attachments.get()
    assert file.public is False
    client = signed_in(requester)
    assert "config.txt" not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert client.get(f"/tickets/{ticket.pk}/attachments/{file.pk}/").status_code == 404


# --- raising and editing ------------------------------------------------------------------


def test_a_requester_raises_an_incident_through_the_form(
    requester: Any, service: Any, sla: Any
) -> None:
    client = signed_in(requester)
    page = client.get("/tickets/new/").content.decode()
    assert 'name="requester"' not in page
    assert 'value="problem"' not in page
    response = client.post(
        "/tickets/new/",
        {
            "type": "incident",
            "title": "会议室投影仪不亮",
            "description": "开机无信号",
            "service": service.pk,
            "impact": "medium",
            "urgency": "high",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.requester, ticket.priority, ticket.channel) == (requester, "important", "web")
    assert AuditEntry.objects.for_object(ticket).filter(action="create", source="web").exists()


def test_a_category_with_a_required_custom_field_is_checked_per_field(
    requester: Any, service: Any, sla: Any
) -> None:
    category = actions.create_category(
        actor=None,
        name_zh="硬件",
        name_en="Hardware",
        fields=[
            {
                "name": "asset_tag",
                "label_en": "Asset tag",
                "label_zh": "资产编号",
                "type": "text",
                "required": True,
            },
            {"name": "floor", "label_en": "Floor", "type": "number"},
        ],
    )
    client = signed_in(requester)
    fragment = client.get(
        "/tickets/custom-fields/", {"category": category.pk}, **htmx(None)
    ).content.decode()
    assert 'name="cf_asset_tag"' in fragment
    assert "Asset tag" in fragment
    data = {
        "type": "incident",
        "title": "显示器闪烁",
        "service": service.pk,
        "category": category.pk,
        "impact": "low",
        "urgency": "low",
        "cf_floor": "3",
    }
    response = client.post("/tickets/new/", data, **htmx(None))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="ticket-form"' in page
    assert "<html" not in page
    assert 'name="cf_asset_tag" class="form-control is-invalid"' in page
    assert not Ticket.objects.exists()
    response = client.post("/tickets/new/", {**data, "cf_asset_tag": "PC-0042"}, **htmx(None))
    ticket = Ticket.objects.get()
    assert response["HX-Redirect"] == f"/tickets/{ticket.pk}/"
    assert ticket.custom_fields == {"asset_tag": "PC-0042", "floor": 3}
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "PC-0042" in page


def test_the_form_shows_an_actions_error_next_to_the_field(
    requester: Any, other_customer: Any, sla: Any
) -> None:
    from yunwei.catalog import actions as catalog_actions

    theirs = catalog_actions.create_service(
        actor=None, code="erp", name_en="ERP", category="operations", organizations=[other_customer]
    )
    agent_client = None  # noqa: F841 - the requester does not even see the service
    response = signed_in(requester).post(
        "/tickets/new/",
        {"type": "incident", "title": "x", "service": theirs.pk, "impact": "low", "urgency": "low"},
    )
    assert "Select a valid choice." in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_agent_raises_a_phone_ticket_for_a_requester_and_edits_it(
    agent: Any, requester: Any, service: Any, sla: Any, desk: Any
) -> None:
    client = signed_in(agent)
    client.post(
        "/tickets/new/",
        {
            "type": "request",
            "title": "新员工开通邮箱",
            "service": service.pk,
            "impact": "low",
            "urgency": "medium",
            "priority": "important",
            "requester": requester.pk,
            "channel": "phone",
            "team": desk.pk,
            "tags": "邮箱，入职",
        },
    )
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.channel, ticket.priority, ticket.team) == (
        requester,
        "phone",
        "important",
        desk,
    )
    assert sorted(t.name for t in ticket.tags.all()) == ["入职", "邮箱"]
    page = client.get(f"/tickets/{ticket.pk}/edit/").content.decode()
    assert "新员工开通邮箱" in page
    form = {
        "title": "新员工开通邮箱和 VPN",
        "description": "",
        "service": service.pk,
        "category": "",
        "impact": "high",
        "urgency": "high",
        "priority": "",
        "requester": requester.pk,
        "team": desk.pk,
        "assignee": agent.pk,
        "tags": "邮箱, 入职",
    }
    response = client.post(f"/tickets/{ticket.pk}/edit/", form)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.title, ticket.priority, ticket.assignee, ticket.state) == (
        "新员工开通邮箱和 VPN",
        "urgent",  # the priority was emptied: from impact × urgency again
        agent,
        "assigned",
    )


def test_a_requester_may_not_edit(ticket: Ticket, requester: Any) -> None:
    client = signed_in(requester)
    assert client.get(f"/tickets/{ticket.pk}/edit/").status_code == 403
    assert client.post(f"/tickets/{ticket.pk}/edit/", {"title": "x"}).status_code == 403


def test_agents_pick_canned_responses_and_customers_never_see_them(
    ticket: Ticket, agent: Any, requester: Any
) -> None:
    actions.create_canned_response(actor=None, title="问候", body="您好，感谢您的耐心等待。")
    page = signed_in(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="canned-responses"' in page
    assert 'data-body="您好，感谢您的耐心等待。"' in page
    page = signed_in(requester).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="canned-responses"' not in page
    assert "感谢您的耐心等待" not in page


def test_a_post_without_the_csrf_token_is_refused(ticket: Ticket, agent: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = snapshot(ticket)
    response = client.post(f"/tickets/{ticket.pk}/reply/", {"body": "hi"})
    assert response.status_code == 403
    assert snapshot(ticket) == before


def test_the_queue_filters_by_creation_date_and_category(
    make_ticket: Any, ticket: Ticket, agent: Any
) -> None:
    category = actions.create_category(actor=None, name_en="Network", name_zh="网络")
    with time_machine.travel(MONDAY_10 + dt.timedelta(days=2), tick=False):
        later = make_ticket(title="交换机掉线", category=category)
    client = signed_in(agent)
    page = client.get(
        "/tickets/", {"created_after": "2026-11-25", "created_before": "2026-11-25"}
    ).content.decode()
    assert later.reference in page
    assert ticket.reference not in page
    page = client.get("/tickets/", {"created_before": "2026-11-23"}).content.decode()
    assert ticket.reference in page
    assert later.reference not in page
    page = client.get("/tickets/", {"category": category.pk}).content.decode()
    assert later.reference in page
    assert ticket.reference not in page


def test_the_pages_render_in_chinese(with_note: Ticket, agent: Any, requester: Any) -> None:
    for user in (agent, requester):
        user.language = "zh-hans"
        user.save(update_fields=["language"])
        client = signed_in(user)
        for path in ("/tickets/", f"/tickets/{with_note.pk}/", "/tickets/new/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert '<html lang="zh-hans">' in response.content.decode(), path
