"""The issue's done-when, through the API: an incident raised by a requester gets the
right priority and due times, pauses while waiting on the customer, shows in the agent
queue sorted by due time, is resolved and rated; another organization gets 404 for it
everywhere; internal notes never reach the requester."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yunwei.core.models import AuditEntry
from yunwei.sla.models import SlaRecord
from yunwei.tickets.models import Comment, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def at(hour: int, minute: int = 0, day: int = 23) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def raise_incident(client: Any, service: Any, **extra: Any) -> Any:
    body = {
        "title": "网络中断：三楼无法上网",
        "description": "从早上开始 **三楼** 全部断网 <script>alert(1)</script>",
        "service": service.pk,
        "impact": "high",
        "urgency": "high",
        **extra,
    }
    return client.post("/api/v1/tickets", body)


@pytest.mark.django_db
def test_an_incident_from_a_requester_gets_its_priority_and_due_times(
    api_as: Any, requester: Any, service: Any, sla: Any
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        response = raise_incident(api_as(requester), service)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "INC-000001"
    assert body["priority"] == "urgent"  # high impact × high urgency
    assert body["state"] == "new"
    assert body["channel"] == "api"
    assert body["requester"]["id"] == requester.pk
    assert body["organization"]["id"] == requester.organization_id
    sla = {entry["kind"]: entry for entry in body["sla"]}
    # Office hours 09:00–18:00: 30 minutes to respond, 240 to resolve (10:00 → 14:00).
    assert dt.datetime.fromisoformat(sla["response"]["due"]) == at(10, 30)
    assert dt.datetime.fromisoformat(sla["resolution"]["due"]) == at(14, 0)
    assert sla["resolution"]["remaining_minutes"] == 240
    assert "<script>" not in body["description_html"]
    assert "<strong>三楼</strong>" in body["description_html"]


@pytest.mark.django_db
def test_waiting_on_the_customer_pauses_the_clock_and_their_reply_resumes_it(
    api_as: Any, requester: Any, agent: Any, service: Any, sla: Any, desk: Any
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        ticket_id = raise_incident(api_as(requester), service).json()["id"]
    with time_machine.travel(at(10, 20), tick=False):
        reply = api_as(agent).post(
            f"/api/v1/tickets/{ticket_id}/transition",
            {"to": "waiting_on_customer", "note": "请提供交换机型号"},
        )
    assert reply.status_code == 200, reply.content
    assert reply.json()["state"] == "waiting_on_customer"
    paused = {e["kind"]: e for e in reply.json()["sla"]}
    assert paused["resolution"]["paused"] is True
    # The note asked the customer something: it was a public reply, the first one.
    assert paused["response"]["state"] == "met"
    with time_machine.travel(at(11, 20), tick=False):
        answer = api_as(requester).post(
            f"/api/v1/tickets/{ticket_id}/comments", {"body": "型号是 S5720"}
        )
        assert answer.status_code == 201
        ticket = api_as(agent).get(f"/api/v1/tickets/{ticket_id}").json()
    assert ticket["state"] == "in_progress"
    due = {e["kind"]: e for e in ticket["sla"]}["resolution"]["due"]
    # An hour spent waiting on the customer moves the due time by that hour.
    assert dt.datetime.fromisoformat(due) == at(15, 0)


@pytest.mark.django_db
def test_the_agent_queue_sorts_by_due_time(
    api_as: Any, requester: Any, agent: Any, service: Any, sla: Any
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        low = raise_incident(api_as(requester), service, impact="low", urgency="low").json()
        high = raise_incident(api_as(requester), service).json()
        medium = raise_incident(api_as(requester), service, impact="medium").json()
    queue = api_as(agent).get("/api/v1/tickets", {"ordering": "due_at", "open": True})
    assert queue.status_code == 200
    assert [t["reference"] for t in queue.json()["items"]] == [
        high["reference"],
        medium["reference"],
        low["reference"],
    ]
    by_priority = api_as(agent).get("/api/v1/tickets", {"ordering": "-priority"}).json()
    assert [t["priority"] for t in by_priority["items"]] == ["urgent", "important", "unimportant"]


@pytest.mark.django_db
def test_resolving_needs_a_code_and_a_note_and_the_requester_rates_it(
    api_as: Any, requester: Any, agent: Any, service: Any, sla: Any
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        ticket_id = raise_incident(api_as(requester), service).json()["id"]
    client = api_as(agent)
    missing = client.post(f"/api/v1/tickets/{ticket_id}/transition", {"to": "resolved"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"resolution"}
    with time_machine.travel(at(11), tick=False):
        resolved = client.post(
            f"/api/v1/tickets/{ticket_id}/transition",
            {"to": "resolved", "resolution": "solved", "note": "更换了交换机端口"},
        )
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["state"] == "resolved"
    # Resolved at 11:00 within four hours; but nobody replied by 10:30.
    assert {e["kind"]: e["state"] for e in body["sla"]} == {
        "response": "breached",
        "resolution": "met",
    }
    assert body["survey"]["score"] is None
    rated = api_as(requester).post(
        f"/api/v1/tickets/{ticket_id}/survey", {"score": 5, "comment": "很快"}
    )
    assert rated.status_code == 200
    assert rated.json()["score"] == 5
    again = api_as(requester).post(f"/api/v1/tickets/{ticket_id}/survey", {"score": 1})
    assert again.status_code == 409
    confirm = api_as(requester).post(f"/api/v1/tickets/{ticket_id}/transition", {"to": "closed"})
    assert confirm.status_code == 200
    assert confirm.json()["state"] == "closed"


@pytest.mark.django_db
def test_transitions_out_of_order_are_conflicts_and_change_nothing(
    api_as: Any, requester: Any, agent: Any, service: Any, sla: Any
) -> None:
    ticket_id = raise_incident(api_as(requester), service).json()["id"]
    staff = api_as(agent)
    entries = AuditEntry.objects.count()
    response = staff.post(f"/api/v1/tickets/{ticket_id}/transition", {"to": "closed"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "to"
    assert Ticket.objects.get(pk=ticket_id).state == "new"
    assert AuditEntry.objects.count() == entries
    # A requester cannot put their own ticket in progress.
    own = api_as(requester).post(f"/api/v1/tickets/{ticket_id}/transition", {"to": "in_progress"})
    assert own.status_code == 409


@pytest.mark.django_db
def test_another_organization_gets_404_for_the_ticket_everywhere(
    api_as: Any, requester: Any, other_requester: Any, service: Any, sla: Any
) -> None:
    ticket_id = raise_incident(api_as(requester), service).json()["id"]
    other = api_as(other_requester)
    base = f"/api/v1/tickets/{ticket_id}"
    assert other.get(base).status_code == 404
    assert other.patch(base, {"title": "x"}).status_code == 404
    assert other.get(f"{base}/comments").status_code == 404
    assert other.post(f"{base}/comments", {"body": "hi"}).status_code == 404
    assert other.post(f"{base}/transition", {"to": "closed"}).status_code == 404
    assert other.get(f"{base}/attachments").status_code == 404
    assert other.post(f"{base}/survey", {"score": 5}).status_code == 404
    assert other.post(f"{base}/links", {"target": ticket_id, "kind": "related"}).status_code == 404
    assert other.get("/api/v1/tickets").json()["count"] == 0
    assert other.get("/api/v1/tickets", {"q": "网络"}).json()["count"] == 0
    audit = other.get("/api/v1/audit", {"object_type": "tickets.ticket"}).json()
    assert audit["count"] == 0
    assert Comment.objects.count() == 0


@pytest.mark.django_db
def test_internal_notes_never_reach_the_requester(
    api_as: Any, requester: Any, agent: Any, service: Any, sla: Any
) -> None:
    ticket_id = raise_incident(api_as(requester), service).json()["id"]
    staff = api_as(agent)
    staff.post(
        f"/api/v1/tickets/{ticket_id}/comments",
        {
            "body": "内部：怀疑是机房交换机故障 secretword",
            "public": False,
            "time_spent_minutes": 15,
        },
    )
    staff.post(f"/api/v1/tickets/{ticket_id}/comments", {"body": "我们正在处理"})
    customer = api_as(requester)
    comments = customer.get(f"/api/v1/tickets/{ticket_id}/comments").json()
    assert [c["body"] for c in comments["items"]] == ["我们正在处理"]
    assert all(c["time_spent_minutes"] is None for c in comments["items"])
    assert customer.get("/api/v1/tickets", {"q": "secretword"}).json()["count"] == 0
    assert staff.get("/api/v1/tickets", {"q": "secretword"}).json()["count"] == 1
    audit = customer.get("/api/v1/audit", {"limit": 500}).json()
    assert "secretword" not in str(audit)
    detail = customer.get(f"/api/v1/tickets/{ticket_id}").json()
    assert detail["time_spent_minutes"] is None
    assert staff.get(f"/api/v1/tickets/{ticket_id}").json()["time_spent_minutes"] == 15
    # The internal note did not answer the customer: the response clock still runs.
    record = SlaRecord.objects.get(object_id=ticket_id, kind="response")
    assert record.state == "met"  # met by the public reply, not the note
    assert Ticket.objects.get(pk=ticket_id).first_response_at == (
        Comment.objects.get(body="我们正在处理").created_at
    )


@pytest.mark.django_db
def test_the_csv_export_carries_no_internal_note_and_only_the_callers_tickets(
    api_as: Any, requester: Any, other_requester: Any, agent: Any, service: Any, sla: Any
) -> None:
    ticket_id = raise_incident(api_as(requester), service, title="=HYPERLINK(1)").json()["id"]
    staff = api_as(agent)
    staff.post(
        f"/api/v1/tickets/{ticket_id}/comments",
        {"body": "secretword 内部", "public": False, "time_spent_minutes": 5},
    )
    staff.post(f"/api/v1/tickets/{ticket_id}/comments", {"body": "公开回复"})

    def export(client: Any) -> str:
        response = client.get("/api/v1/tickets/export")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        return b"".join(response.streaming_content).decode("utf-8-sig")

    theirs = export(api_as(requester))
    assert "INC-000001" in theirs
    assert "secretword" not in theirs
    assert "Time spent" not in theirs
    assert "'=HYPERLINK(1)" in theirs  # no formula injection into spreadsheets
    assert "INC-000001" not in export(api_as(other_requester))
    assert ",5\r\n" in export(staff)  # staff see time spent


@pytest.mark.django_db
def test_the_providers_analysis_and_teams_stay_out_of_the_customers_audit_trail(
    api_as: Any, requester: Any, agent: Any, service: Any, sla: Any, desk: Any
) -> None:
    ticket_id = raise_incident(api_as(requester), service).json()["id"]
    staff = api_as(agent)
    staff.patch(
        f"/api/v1/tickets/{ticket_id}",
        {"root_cause": "rootsecret", "analysis": "analysissecret", "team": desk.pk},
    )
    staff.post(f"/api/v1/tickets/{ticket_id}/comments", {"body": "notesecret", "public": False})
    customer = api_as(requester)
    for path in ("/api/v1/audit", f"/api/v1/tickets/{ticket_id}/history"):
        seen = str(customer.get(path, {"limit": 500}).json())
        assert "rootsecret" not in seen
        assert "analysissecret" not in seen
        assert "notesecret" not in seen
        assert desk.name not in seen
    assert "网络中断" in str(customer.get(f"/api/v1/tickets/{ticket_id}/history").json())
    # Agents read the history of tickets they see without the audit-trail permission.
    history = str(staff.get(f"/api/v1/tickets/{ticket_id}/history", {"limit": 500}).json())
    assert "rootsecret" in history
    assert "notesecret" in history
