"""`yunwei demo` fills an empty service desk with tickets that look lived in — once."""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.management import call_command
from django.db.models import Count, F, Max
from django.utils import timezone

from yunwei.core.models import AuditEntry
from yunwei.sla.models import Priority, SlaRecord
from yunwei.tickets.models import (
    AssignmentRule,
    CannedResponse,
    Category,
    Comment,
    Survey,
    Ticket,
    TicketLink,
    TicketState,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _counts() -> dict[str, int]:
    return {
        "tickets": Ticket.objects.count(),
        "comments": Comment.objects.count(),
        "surveys": Survey.objects.count(),
        "links": TicketLink.objects.count(),
        "sla": SlaRecord.objects.count(),
        "categories": Category.objects.count(),
        "canned": CannedResponse.objects.count(),
        "rules": AssignmentRule.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_demo_fills_the_service_desk_once(db: Any) -> None:
    # One test for it all: the demo takes some seconds to write.
    out = io.StringIO()
    call_command("demo", stdout=out)
    tickets = Ticket.objects.all()
    count = tickets.count()

    assert count >= 250
    assert f"Demo service desk: {count} tickets." in out.getvalue()
    assert set(tickets.values_list("state", flat=True)) == set(TicketState.values)
    assert set(tickets.values_list("priority", flat=True)) == set(Priority.values)
    types = dict(tickets.values_list("type").annotate(n=Count("id")))
    assert types["incident"] > types["request"] > types["problem"] >= 8
    chinese = sum(bool(CHINESE.search(title)) for title in tickets.values_list("title", flat=True))
    assert 0.6 * count < chinese < 0.8 * count  # and the rest in English

    # Conversations, notes, surveys, problems and links.
    assert Comment.objects.filter(public=False, time_spent_minutes__gt=0).exists()
    assert Comment.objects.filter(public=True, author__organization__kind="customer").exists()
    assert Comment.objects.filter(mentions__isnull=False).exists()
    assert tickets.annotate(n=Count("comments")).aggregate(most=Max("n"))["most"] <= 4
    answered = Survey.objects.filter(answered_at__isnull=False)
    assert answered.count() > 0.4 * Survey.objects.count()
    assert answered.filter(score__gte=4).count() > 3 * answered.filter(score__lte=2).count()
    assert tickets.filter(problem__isnull=False).exists()
    assert tickets.filter(type="problem", known_error=True).exclude(workaround="").exists()
    assert {"duplicate_of", "related"} <= set(TicketLink.objects.values_list("kind", flat=True))
    assert tickets.filter(parent__isnull=False).exists()
    assert tickets.filter(custom_fields__has_key="start_date").exists()

    # The SLA clocks ran: most tickets have them, some were met, some breached.
    with_sla = tickets.filter(sla_records__isnull=False).distinct().count()
    assert with_sla > 0.8 * count
    assert (
        SlaRecord.objects.filter(state="met").count()
        > SlaRecord.objects.filter(state="breached").count()
    )
    assert tickets.filter(sla_breached=True, state__in=["assigned", "in_progress"]).exists()

    # Backdated, in order, never in the future; every ticket in the audit trail.
    now = timezone.now()
    assert not tickets.filter(created_at__gt=now).exists()
    assert not Comment.objects.filter(created_at__gt=now).exists()
    assert not Comment.objects.filter(created_at__lt=F("ticket__created_at")).exists()
    assert not tickets.filter(resolved_at__lt=F("created_at")).exists()
    assert not tickets.filter(closed_at__lt=F("resolved_at")).exists()
    oldest = tickets.order_by("created_at").values_list("created_at", flat=True).first()
    assert (now - oldest).days >= 40
    audited = set(
        AuditEntry.objects.filter(object_type="tickets.ticket").values_list("object_id", flat=True)
    )
    assert {str(pk) for pk in tickets.values_list("pk", flat=True)} <= audited

    before = _counts()
    again = io.StringIO()
    call_command("demo", stdout=again)
    assert _counts() == before
    assert again.getvalue() == out.getvalue()
