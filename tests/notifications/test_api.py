"""/api/v1/notifications and /api/v1/notification-preferences: the caller's own only."""

from __future__ import annotations

from typing import Any

import pytest

from yunwei.notifications.models import NotificationPreference
from yunwei.tickets import actions

pytestmark = pytest.mark.django_db


def put(client: Any, body: Any) -> Any:
    return client.put("/api/v1/notification-preferences", body)


@pytest.fixture
def lines(make_ticket: Any, desk: Any, agent: Any, team_lead: Any) -> Any:
    """Two notifications for the agent: an assignment and a mention."""
    ticket = actions.update_ticket(make_ticket(), actor=team_lead, assignee=agent)
    actions.add_comment(ticket, actor=team_lead, public=False, body=f"@{agent.email} look")
    return list(agent.notifications.all())


def test_lists_own_notifications_newest_first_in_the_readers_words(
    api_as: Any, lines: Any, agent: Any
) -> None:
    body = api_as(agent).get("/api/v1/notifications").json()
    assert (body["count"], body["unread"]) == (2, 2)
    assert [item["event"] for item in body["items"]] == ["ticket.mentioned", "ticket.assigned"]
    first = body["items"][0]
    assert first["text"].endswith("mentioned you on INC-000001: 打印机无法打印")
    assert first["ticket"] == {"id": lines[0].ticket_id, "reference": "INC-000001"}
    assert first["url"] == f"/tickets/{lines[0].ticket_id}/"
    assert first["read_at"] is None


def test_nobody_else_sees_or_reads_them(
    api_as: Any, lines: Any, admin: Any, requester: Any
) -> None:
    for user in (admin, requester):
        client = api_as(user)
        assert client.get("/api/v1/notifications").json()["count"] == 0
        response = client.post(f"/api/v1/notifications/{lines[0].pk}/read")
        assert response.status_code == 404
    lines[0].refresh_from_db()
    assert lines[0].read_at is None


def test_read_one_then_filter_unread_then_read_all(api_as: Any, lines: Any, agent: Any) -> None:
    client = api_as(agent)
    newest = lines[0]
    response = client.post(f"/api/v1/notifications/{newest.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert [item["id"] for item in unread["items"]] == [lines[1].pk]
    read = client.get("/api/v1/notifications?unread=false").json()
    assert [item["id"] for item in read["items"]] == [newest.pk]
    assert client.post("/api/v1/notifications/read-all").json() == {"updated": 1}
    assert client.get("/api/v1/notifications").json()["unread"] == 0


def test_bad_paging_names_the_field(api_as: Any, agent: Any) -> None:
    response = api_as(agent).get("/api/v1/notifications?limit=0")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_preferences_read_and_written(api_as: Any, agent: Any) -> None:
    client = api_as(agent)
    items = {
        row["event"]: row for row in client.get("/api/v1/notification-preferences").json()["items"]
    }
    assert items["ticket.assigned"] == {"event": "ticket.assigned", "email": True, "in_app": True}
    assert items["ticket.created"] == {"event": "ticket.created", "email": False, "in_app": False}

    response = put(client, {"items": [{"event": "ticket.created", "email": True}]})
    assert response.status_code == 200
    after = {row["event"]: row for row in response.json()["items"]}
    assert after["ticket.created"] == {"event": "ticket.created", "email": True, "in_app": False}
    assert NotificationPreference.objects.filter(user=agent).count() == 1  # in_app untouched


def test_preferences_refuse_unknown_and_staff_only_events(
    api_as: Any, agent: Any, requester: Any
) -> None:
    response = put(api_as(agent), {"items": [{"event": "ticket.exploded", "email": True}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("items.0.event")
    response = put(api_as(requester), {"items": [{"event": "ticket.sla_breached", "email": True}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "event"
    assert not NotificationPreference.objects.exists()


def test_anonymous_callers_are_refused(client: Any) -> None:
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/api/v1/notification-preferences").status_code == 401
