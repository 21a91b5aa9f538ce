"""Ticket behaviour that the channels (mail, portal, bell) rely on: a requester's reply
reopens a resolved ticket, a colleague who joins in follows the ticket, and a ticket no
rule routes lands in the service owner's queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tests.factories import UserFactory
from tests.tickets.conftest import agreement, desk, make_ticket, office_calendar, service, sla
from yunwei.catalog import actions as catalog_actions
from yunwei.core.models import AuditEntry
from yunwei.tickets import actions

__all__ = ["agreement", "desk", "make_ticket", "office_calendar", "service", "sla"]

pytestmark = pytest.mark.django_db


def resolved(make_ticket: Any, agent: Any) -> Any:
    ticket = make_ticket()
    return actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="重启了打印服务"
    )


def test_the_requesters_reply_reopens_a_resolved_ticket(
    make_ticket: Any, agent: Any, requester: Any, desk: Any
) -> None:
    ticket = resolved(make_ticket, agent)
    actions.add_comment(ticket, actor=requester, body="还是打印不了")
    ticket.refresh_from_db()
    assert ticket.state == "assigned"  # reopened, back with whoever resolved it
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None


def test_a_reply_after_the_reopen_window_stays_a_comment(
    make_ticket: Any, agent: Any, requester: Any, desk: Any, settings: Any
) -> None:
    settings.TICKET_REOPEN_DAYS = 3
    ticket = resolved(make_ticket, agent)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=4)):
        actions.add_comment(ticket, actor=requester, body="谢谢，已经好了")
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    assert ticket.comments.filter(body="谢谢，已经好了").exists()


def test_a_colleagues_reply_neither_reopens_nor_is_lost(
    make_ticket: Any, agent: Any, requester: Any, customer: Any, desk: Any
) -> None:
    colleague = UserFactory(organization=customer, roles=["requester"])
    ticket = resolved(make_ticket, agent)
    actions.add_comment(ticket, actor=colleague, body="我这边也打印不了")
    ticket.refresh_from_db()
    assert ticket.state == "resolved"  # only the requester reopens
    # The colleague now follows the ticket (hears the answer), and the audit says so.
    assert list(ticket.watchers.all()) == [colleague]
    entries = AuditEntry.objects.filter(
        object_type="tickets.ticket", object_id=str(ticket.pk), action="update"
    )
    assert [e.changes["watchers"] for e in entries if "watchers" in e.changes] == [
        [[], [colleague.pk]]
    ]


def test_a_ticket_no_rule_routes_lands_in_the_service_owners_queue(
    requester: Any, service: Any, desk: Any
) -> None:
    service = catalog_actions.update_service(service, actor=None, owner_team=desk)
    ticket = actions.create_ticket(actor=requester, title="显示器闪烁", service=service)
    assert ticket.team == desk
    assert ticket.assignee is None


def test_a_category_of_another_service_is_refused(
    make_ticket: Any, requester: Any, service: Any, customer: Any, agent: Any, desk: Any
) -> None:
    from django.core.exceptions import ValidationError

    printing = catalog_actions.create_service(
        actor=None, code="printing", name_zh="打印", name_en="Printing", category="operations",
        organizations=[customer],
    )  # fmt: skip
    toner = actions.create_category(
        actor=None, name_zh="硒鼓", name_en="Toner", services=[printing]
    )
    with pytest.raises(ValidationError) as refused:
        make_ticket(category=toner)  # a desktop ticket
    assert "not offered for this service" in refused.value.message_dict["category"][0]
    ticket = make_ticket(service=printing, category=toner)
    assert ticket.category == toner
    other = make_ticket()
    with pytest.raises(ValidationError):
        actions.update_ticket(other, actor=agent, category=toner)
