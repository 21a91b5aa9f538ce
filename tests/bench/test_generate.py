"""The benchmark data generator (bench/generate.py) at a small size: what it writes is
what the application itself would hold — visible to the right people, consistent states
and SLA clocks, a sealed audit chain, searchable text — and the same every time."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

import pytest
from bench.gen_clock import FastCalendar
from bench.generate import GenerateError, generate
from django.db import transaction
from django.db.models import Count, Q

from bench import gen_setup
from yunwei.accounts.models import User
from yunwei.core import audit
from yunwei.core.models import AuditEntry
from yunwei.sla import clock, engine
from yunwei.sla.models import SlaRecord
from yunwei.tickets import search
from yunwei.tickets.models import Comment, ReferenceSequence, SearchDocument, Ticket

N = 150
NOW = dt.datetime(2026, 6, 3, 7, 30, tzinfo=dt.UTC)  # a Wednesday, 15:30 in Shanghai
OPEN = ("new", "assigned", "in_progress", "waiting_on_customer")


@pytest.fixture
def summary(db: Any) -> dict[str, Any]:
    return generate(tickets=N, seed=7, progress=False, now=NOW)


def _digest() -> str:
    """The generated content by natural keys (ids of sequences may differ run to run)."""
    rows: list[Any] = []
    rows += Ticket.objects.order_by("reference").values_list(
        "reference", "title", "description", "state", "priority", "impact", "urgency",
        "created_at", "first_response_at", "resolved_at", "closed_at", "due_at",
        "sla_breached", "organization__code", "requester__email", "service__code",
        "assignee__email", "team__name",
    )  # fmt: skip
    rows += Comment.objects.order_by("ticket__reference", "created_at", "id").values_list(
        "ticket__reference", "body", "public", "author__email", "created_at"
    )
    rows += SlaRecord.objects.order_by("due_at", "state", "kind", "started_at").values_list(
        "kind", "state", "priority", "due_at", "warning_at", "breached_at", "next_check_at"
    )
    rows += SearchDocument.objects.order_by("ticket__reference").values_list(
        "public_text", "internal_text"
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_counts_people_and_visibility(summary: dict[str, Any]) -> None:
    counts = summary["counts"]
    assert counts["tickets_ticket"] == N == Ticket.objects.count()
    assert 2 * N <= Comment.objects.count() <= 3 * N
    internal = Comment.objects.filter(public=False).count()
    assert 0.2 < internal / Comment.objects.count() < 0.45
    tracked = Ticket.objects.exclude(type="problem").count()
    assert SlaRecord.objects.count() == 2 * tracked
    assert AuditEntry.objects.count() == N + Comment.objects.count()
    assert SearchDocument.objects.count() == N
    for kind, prefix in (("incident", "INC"), ("request", "REQ")):
        last = ReferenceSequence.objects.get(ticket_type=kind).last
        assert Ticket.objects.filter(type=kind).count() == last
        assert Ticket.objects.filter(reference=f"{prefix}-{last:06d}").exists()

    agent = User.objects.get(email=gen_setup.BENCH_AGENT)
    assert agent.check_password(gen_setup.PASSWORD)
    assert agent.role_codes == {"agent"}
    assert agent.is_provider_staff
    assert not agent.requires_two_factor
    assert agent.teams.filter(pk=summary["team_id"]).exists()
    assert Ticket.objects.visible_to(agent).count() == N
    queue = Ticket.objects.visible_to(agent).filter(team_id=summary["team_id"])
    teams = Ticket.objects.exclude(team=None).values("team_id").annotate(n=Count("id"))
    busiest = teams.order_by("-n").values_list("team_id", flat=True).first()
    assert busiest == summary["team_id"]
    assert queue.open().exists()
    requester = User.objects.get(email=gen_setup.BENCH_REQUESTER)
    assert requester.check_password(gen_setup.PASSWORD)
    assert requester.organization_id == summary["organization_id"]
    mine = Ticket.objects.visible_to(requester)
    assert mine.exists()
    assert not mine.exclude(organization_id=requester.organization_id).exists()
    assert requester.organization.services.filter(pk=summary["service_id"]).exists()
    ids = set(summary["sample_ticket_ids"])
    assert len(ids) == N
    assert Ticket.objects.filter(pk__in=ids).count() == N


def test_states_and_times_are_consistent(summary: dict[str, Any]) -> None:
    tickets = Ticket.objects.all()
    open_ = tickets.filter(state__in=OPEN).count()
    assert 0.02 < open_ / N < 0.15
    assert open_ == summary["open_tickets"]
    assert not tickets.filter(state="closed").filter(
        Q(closed_at=None) | Q(resolved_at=None) | Q(first_response_at=None)
    )
    assert not tickets.filter(state="resolved").filter(Q(resolved_at=None) | ~Q(closed_at=None))
    assert not tickets.filter(state__in=OPEN).exclude(resolved_at=None, closed_at=None)
    assert not tickets.filter(state="new").exclude(assignee=None)
    assert not tickets.exclude(state="new").filter(Q(assignee=None) | Q(team=None))
    assert not tickets.filter(created_at__gt=NOW)
    for ticket in tickets:
        times = [ticket.created_at, ticket.first_response_at, ticket.resolved_at, ticket.closed_at]
        present = [t for t in times if t is not None]
        assert present == sorted(present)
        assert present[-1] <= NOW
        assert ticket.priority == {
            ("high", "high"): "urgent", ("high", "medium"): "important",
            ("medium", "high"): "important", ("high", "low"): "general",
            ("medium", "medium"): "general", ("low", "high"): "general",
        }.get((ticket.impact, ticket.urgency), "unimportant")  # fmt: skip
    older = tickets.filter(created_at__lt=NOW - dt.timedelta(days=60))
    assert older.filter(state="closed").count() > 0.8 * older.count()


def test_sla_records_are_what_the_engine_computes(summary: dict[str, Any]) -> None:
    records = list(SlaRecord.objects.select_related("calendar", "agreement"))
    by_ticket: dict[int, list[SlaRecord]] = {}
    for record in records:
        by_ticket.setdefault(record.object_id, []).append(record)
        computed = engine.compute(record, NOW, record.agreement.warning_percent)
        if record.is_open or record.state == "breached":
            assert computed.due_at == record.due_at
        else:  # met: stopped before the due instant, which stays as it was
            assert computed.due_at is None
            assert record.stopped_at is not None
            assert record.due_at is not None
            assert record.stopped_at <= record.due_at
        if record.is_open:
            assert computed.warning_at == record.warning_at
        assert record.next_check_at is None or record.is_open
        if record.is_open:
            assert (record.breached_at is not None) == (
                record.due_at is not None and record.due_at <= NOW
            )
        else:
            assert record.stopped_at is not None
            assert record.due_at is not None
            assert (record.state == "breached") == (record.stopped_at > record.due_at)
    for ticket in Ticket.objects.exclude(type="problem"):
        mine = by_ticket[ticket.pk]
        dues = [r.due_at for r in mine if r.is_open and r.due_at is not None]
        assert ticket.due_at == (min(dues) if dues else None)
        assert ticket.sla_breached == any(r.breached_at is not None for r in mine)
        resolution = next(r for r in mine if r.kind == "resolution")
        assert resolution.is_open == (ticket.state in OPEN)
        assert (resolution.state == "paused") == (ticket.state == "waiting_on_customer")
    assert not Ticket.objects.filter(type="problem").exclude(due_at=None)
    soon = SlaRecord.objects.open().filter(
        kind="resolution", due_at__gt=NOW, due_at__lte=NOW + dt.timedelta(days=1)
    )
    assert soon.count() >= summary["due_within_24h"] >= round(0.02 * N) - 1


def test_fast_calendar_matches_the_clock() -> None:
    hours = {
        d: [["09:00", "12:00"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
    }
    holidays = [{"date": "2026-10-01", "working": False}, {"date": "2026-10-10", "working": True}]
    calendar = clock.Calendar.from_spec(timezone="Asia/Shanghai", hours=hours, exceptions=holidays)
    fast = FastCalendar(calendar, dt.date(2026, 1, 1), dt.date(2027, 6, 1))
    rng = random.Random(3)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for _ in range(500):
        start = int(dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp()) + rng.randrange(330 * 86400)
        budget = rng.choice((240, 480, 1440, 2880)) * 60 + rng.choice((0, 0, 17))
        expected = clock.due_after(
            epoch + dt.timedelta(seconds=start), dt.timedelta(seconds=budget), calendar
        )
        assert fast.due(start, budget) == int(expected.timestamp())  # type: ignore[union-attr]
        end = start + rng.randrange(20 * 86400)
        span = clock.elapsed(
            epoch + dt.timedelta(seconds=start), epoch + dt.timedelta(seconds=end), calendar
        )
        assert fast.elapsed(start, end) == span.total_seconds()


def test_audit_chain_verifies(summary: dict[str, Any]) -> None:
    report = audit.verify_chain()
    assert report.ok, report.problem
    assert report.checked == AuditEntry.objects.count()
    assert report.unsealed == 0
    ticket = Ticket.objects.order_by("pk").first()
    assert ticket is not None
    entry = AuditEntry.objects.get(object_type="tickets.ticket", object_id=str(ticket.pk))
    assert entry.changes["reference"] == [None, ticket.reference]
    assert entry.organization_id == ticket.organization_id


def test_search_documents_are_what_search_builds(summary: dict[str, Any]) -> None:
    for ticket in Ticket.objects.order_by("pk")[:: max(1, N // 60)]:
        comments = list(ticket.comments.order_by("created_at", "id").values_list("body", "public"))
        document = SearchDocument.objects.get(ticket=ticket)
        expected = search._document(ticket.reference, ticket.title, ticket.description, comments)
        assert (document.public_text, document.internal_text) == expected
        assert document.organization_id == ticket.organization_id
    agent = User.objects.get(email=gen_setup.BENCH_AGENT)
    for word in summary["search_words"].values():
        (wanted,) = search.query_words(word)
        holding = {
            pk
            for pk, public, internal in SearchDocument.objects.values_list(
                "ticket_id", "public_text", "internal_text"
            )
            if wanted in public.split() or wanted in internal.split()
        }
        found = set(
            search.search(Ticket.objects.visible_to(agent), word, user=agent).values_list(
                "pk", flat=True
            )
        )
        assert found == holding
        assert len(found) > N // 20


def test_deterministic_and_refuses_a_filled_database(db: Any) -> None:
    digests = []
    for _ in range(2):
        sid = transaction.savepoint()
        generate(tickets=60, seed=11, progress=False, now=NOW)
        digests.append(_digest())
        transaction.savepoint_rollback(sid)
    assert digests[0] == digests[1]
    generate(tickets=60, seed=12, progress=False, now=NOW)
    assert _digest() != digests[0]
    with pytest.raises(GenerateError, match="already holds tickets"):
        generate(tickets=10, progress=False, now=NOW)
