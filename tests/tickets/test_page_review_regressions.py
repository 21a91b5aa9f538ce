"""Defects found reviewing the pages, pinned by what a user would notice."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from tests.factories import UserFactory
from yunwei.tickets import actions

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_staff_without_ticket_rights_cannot_download_files(
    client: Any, agent: Any, provider: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    note = actions.add_comment(ticket, actor=agent, body="内部", public=False)
    file = actions.add_attachment(
        ticket, actor=agent, name="x.png", stream=ContentFile(PNG), comment=note
    )
    url = f"/tickets/{ticket.pk}/attachments/{file.pk}/"
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(UserFactory(organization=provider, roles=["hr_manager"]))
    assert client.get(url).status_code == 403
    client.force_login(agent)
    assert client.get(url).status_code == 200


def test_the_customer_sees_the_service_desk_by_name_not_by_e_mail(
    client: Any, agent: Any, requester: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="我们在处理")
    client.force_login(requester)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert agent.email not in page
    assert agent.name in page


def test_odd_input_on_the_pages_is_a_4xx_or_ignored_never_a_500(
    client: Any, agent: Any, make_ticket: Any, sla: Any
) -> None:
    ticket = make_ticket()
    client.force_login(agent)
    assert client.post(f"/tickets/{ticket.pk}/links/remove/", {"link": "abc"}).status_code == 404
    for query in (
        "ordering=--due_at",
        "created_before=9999-12-31",
        "created_after=0001-01-01",
    ):
        assert client.get(f"/tickets/?{query}").status_code == 200, query
    for query in ("answered_to=9999-12-31", "answered_from=0001-01-01"):
        assert client.get(f"/tickets/satisfaction/?{query}").status_code in (200, 403), query
    huge = "99999999999999999999999"
    bulk = client.post("/tickets/bulk/", {"bulk-ids": huge, "bulk-operation": "priority"})
    assert bulk.status_code in (200, 302)


def test_time_spent_shows_on_its_comment_not_as_a_reply_of_its_own(
    agent: Any, make_ticket: Any, sla: Any
) -> None:
    from yunwei.tickets.views.ticket import ticket_history

    ticket = make_ticket()
    actions.add_comment(ticket, actor=agent, body="查日志", public=False, time_spent_minutes=30)
    comments = [row for row in ticket_history(agent, ticket) if row["kind"] == "comment"]
    assert [(row["public"], row["body"], row["minutes"]) for row in comments] == [
        (False, "查日志", 30)
    ]
