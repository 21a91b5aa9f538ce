from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import ANY

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from yunwei.core.models import AuditEntry
from yunwei.sla import actions, escalation
from yunwei.sla.models import Calendar, EscalationFiring, SlaRecord

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


# --- calendars through the API ---------------------------------------------------------


def test_the_customers_two_cases_come_back_from_the_api(api_as: Any, admin: Any) -> None:
    api = api_as(admin)
    created = api.post(
        "/api/v1/calendars",
        {
            "name": "Office",
            "timezone": "Asia/Shanghai",
            "hours": {d: [["09:00", "18:00"]] for d in ["mon", "tue", "wed", "thu", "fri"]},
        },
    )
    assert created.status_code == 201, created.content
    calendar_id = created.json()["id"]
    imported = api.post(f"/api/v1/calendars/{calendar_id}/import-cn", {"years": [2026]})
    assert imported.status_code == 200
    assert {"date": "2026-10-10", "working": True} in imported.json()["exceptions"]
    assert {"date": "2026-10-01", "working": False} in imported.json()["exceptions"]

    def due(start: str) -> str:
        response = api.get(f"/api/v1/calendars/{calendar_id}/due", {"start": start, "minutes": 240})
        assert response.status_code == 200, response.content
        return response.json()["due"]

    assert dt.datetime.fromisoformat(due("2026-09-30T17:00:00+08:00")) == at("2026-10-08T12:00")
    assert dt.datetime.fromisoformat(due("2026-10-09T17:00:00+08:00")) == at("2026-10-10T12:00")
    elapsed = api.get(
        f"/api/v1/calendars/{calendar_id}/elapsed",
        {"start": "2026-09-30T17:00:00+08:00", "end": "2026-10-08T12:00:00+08:00"},
    )
    assert elapsed.json() == {"minutes": 240}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hours": {"mon": [["18:00", "09:00"]]}}, "hours"),
        ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "hours"),
        ({"hours": {"funday": [["09:00", "12:00"]]}}, "hours"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        (
            {
                "exceptions": [
                    {"date": "2026-10-01", "working": False},
                    {"date": "2026-10-01", "working": True},
                ]
            },
            "exceptions",
        ),
    ],
)
def test_bad_calendars_are_422_naming_the_field(
    api_as: Any, admin: Any, body: dict[str, Any], field: str
) -> None:
    response = api_as(admin).post("/api/v1/calendars", {"name": "Bad", **body})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not Calendar.objects.filter(name="Bad").exists()


def test_bad_clock_queries_are_422_naming_the_field(
    api_as: Any, admin: Any, office_calendar: Any
) -> None:
    api = api_as(admin)
    base = f"/api/v1/calendars/{office_calendar.pk}"
    negative = api.get(f"{base}/due", {"start": "2026-10-09T17:00:00+08:00", "minutes": -5})
    assert (negative.status_code, negative.json()["errors"][0]["field"]) == (422, "minutes")
    naive = api.get(f"{base}/due", {"start": "2026-10-09T17:00:00", "minutes": 5})
    assert (naive.status_code, naive.json()["errors"][0]["field"]) == (422, "start")
    backwards = api.get(
        f"{base}/elapsed",
        {"start": "2026-10-09T17:00:00+08:00", "end": "2026-10-08T17:00:00+08:00"},
    )
    assert (backwards.status_code, backwards.json()["errors"][0]["field"]) == (422, "end")


def test_a_year_the_holiday_package_does_not_cover_is_422(
    api_as: Any, admin: Any, office_calendar: Any
) -> None:
    response = api_as(admin).post(
        f"/api/v1/calendars/{office_calendar.pk}/import-cn", {"years": [2099]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "years"
    assert "2099" in response.json()["errors"][0]["message"]


def test_calendars_are_invisible_to_customers(
    api_as: Any, requester: Any, office_calendar: Any
) -> None:
    api = api_as(requester)
    assert api.get("/api/v1/calendars").json()["count"] == 0
    assert api.get(f"/api/v1/calendars/{office_calendar.pk}").status_code == 404
    assert (
        api.get(
            f"/api/v1/calendars/{office_calendar.pk}/due",
            {"start": "2026-10-09T17:00:00+08:00", "minutes": 5},
        ).status_code
        == 404
    )


# --- agreements ------------------------------------------------------------------------


def test_an_agreement_gets_the_manuals_default_targets(
    api_as: Any, admin: Any, service: Any, office_calendar: Any
) -> None:
    response = api_as(admin).post(
        "/api/v1/slas",
        {
            "name": "Desktop",
            "service": service.pk,
            "calendar": office_calendar.pk,
            "targets": [{"priority": "urgent", "response_minutes": 30, "resolution_minutes": 120}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    targets = {
        t["priority"]: (t["response_minutes"], t["resolution_minutes"]) for t in body["targets"]
    }
    assert targets == {
        "urgent": (30, 120),
        "important": (120, 240),
        "general": (120, 240),
        "unimportant": (120, 240),
    }
    assert (
        body["availability_target"],
        body["max_interruption_minutes"],
        body["warning_percent"],
    ) == (99.9, 60, 75)
    assert body["pause_states"] == ["waiting_on_customer"]


def test_the_customer_agreement_wins_over_the_service_default(
    agreement: Any, service: Any, customer: Any, office_calendar: Any
) -> None:
    from yunwei.sla.models import Agreement

    specific = actions.create_agreement(
        actor=None,
        name="Acme gold",
        service=service,
        organization=customer,
        calendar=office_calendar,
    )
    assert Agreement.objects.applicable(service.pk, customer.pk) == specific
    assert Agreement.objects.applicable(service.pk, None) == agreement


def test_a_second_default_agreement_for_a_service_is_refused(
    api_as: Any, admin: Any, agreement: Any, service: Any, office_calendar: Any
) -> None:
    response = api_as(admin).post(
        "/api/v1/slas", {"name": "Again", "service": service.pk, "calendar": office_calendar.pk}
    )
    assert response.status_code == 422


def test_a_requester_sees_the_agreements_of_their_services_only(
    api_as: Any, requester: Any, other_requester: Any, agreement: Any
) -> None:
    assert api_as(requester).get(f"/api/v1/slas/{agreement.pk}").status_code == 200
    assert api_as(other_requester).get(f"/api/v1/slas/{agreement.pk}").status_code == 404
    assert (
        api_as(requester).patch(f"/api/v1/slas/{agreement.pk}", {"name": "Mine"}).status_code == 403
    )


# --- SLA records -----------------------------------------------------------------------


def test_a_30_minute_pause_on_a_working_day_moves_the_due_time_by_30_business_minutes(
    agreement: Any, customer: Any
) -> None:
    _response, resolution = actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
    )
    assert resolution.due_at == at("2026-10-13T14:00")
    actions.pause_records(
        customer, actor=None, reason="waiting_on_customer", at=at("2026-10-13T11:00")
    )
    actions.resume_records(customer, actor=None, at=at("2026-10-13T11:30"))
    resolution.refresh_from_db()
    assert resolution.due_at == at("2026-10-13T14:30")
    assert [s["state"] for s in resolution.segments] == ["running", "paused", "running"]
    assert resolution.segments[1]["reason"] == "waiting_on_customer"


def test_a_pause_over_a_holiday_ends_where_the_business_time_says(
    agreement: Any, customer: Any
) -> None:
    (record,) = actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-09-30T17:00"),
        kinds=["resolution"],
    )
    assert record.due_at == at("2026-10-08T12:00")
    actions.pause_records(
        customer, actor=None, reason="waiting_on_third_party", at=at("2026-09-30T17:30")
    )
    record.refresh_from_db()
    assert record.due_at is None  # paused: no due time
    assert record.state == "paused"
    actions.resume_records(customer, actor=None, at=at("2026-10-08T09:00"))
    record.refresh_from_db()
    assert record.due_at == at("2026-10-08T12:30")


def test_a_priority_change_applies_its_target_to_the_whole_history(
    agreement: Any, customer: Any
) -> None:
    actions.update_agreement(
        agreement, actor=None, targets=[{"priority": "urgent", "resolution_minutes": 60}]
    )
    (record,) = actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
        kinds=["resolution"],
    )
    actions.change_priority(customer, actor=None, priority="urgent", at=at("2026-10-13T10:20"))
    record.refresh_from_db()
    assert (record.priority, record.target_minutes, record.due_at) == (
        "urgent",
        60,
        at("2026-10-13T11:00"),
    )


def test_a_calendar_change_recomputes_open_records_and_keeps_their_past(
    agreement: Any, customer: Any, office_calendar: Any, django_capture_on_commit_callbacks: Any
) -> None:
    (record,) = actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T16:00"),
        kinds=["resolution"],
    )
    assert record.due_at == at("2026-10-14T11:00")
    # Tomorrow becomes a holiday: the remaining 120 minutes move to the day after.
    exceptions = [*office_calendar.exceptions, {"date": "2026-10-14", "working": False}]
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=at("2026-10-13T17:00")):
        actions.update_calendar(office_calendar, actor=None, exceptions=exceptions)
    record.refresh_from_db()
    assert record.due_at == at("2026-10-15T11:00")
    assert [s["calendar_version"] for s in record.segments] == [2, 3]


def test_stopping_in_time_meets_the_target_and_late_breaches_it(
    agreement: Any, customer: Any, provider: Any
) -> None:
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
    )
    (response,) = actions.stop_records(
        customer, actor=None, kinds=["response"], at=at("2026-10-13T11:59")
    )
    assert (response.state, response.breached_at) == ("met", None)
    (resolution,) = actions.stop_records(
        customer, actor=None, kinds=["resolution"], at=at("2026-10-13T15:00")
    )
    assert (resolution.state, resolution.breached_at) == ("breached", at("2026-10-13T14:00"))


def test_a_record_explains_itself_through_the_api(
    api_as: Any, admin: Any, agreement: Any, customer: Any
) -> None:
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
        kinds=["resolution"],
    )
    actions.pause_records(
        customer, actor=None, reason="waiting_on_customer", at=at("2026-10-13T11:00")
    )
    actions.resume_records(customer, actor=None, at=at("2026-10-13T11:30"))
    actions.stop_records(customer, actor=None, kinds=["resolution"], at=at("2026-10-13T12:00"))
    record = SlaRecord.objects.get()
    body = api_as(admin).get(f"/api/v1/sla-records/{record.pk}").json()
    assert [(s["state"], s["business_minutes"], s["reason"]) for s in body["timeline"]] == [
        ("running", 60.0, ""),
        ("paused", 0.0, "waiting_on_customer"),
        ("running", 30.0, ""),
    ]
    assert (body["state"], body["elapsed_minutes"], body["calendar"]["name"]) == (
        "met",
        90.0,
        "Office hours",
    )


def test_another_organizations_records_are_404(
    api_as: Any, other_requester: Any, requester: Any, agreement: Any, customer: Any
) -> None:
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
    )
    record = SlaRecord.objects.first()
    assert api_as(other_requester).get(f"/api/v1/sla-records/{record.pk}").status_code == 404
    assert api_as(other_requester).get("/api/v1/sla-records").json()["count"] == 0
    assert api_as(requester).get("/api/v1/sla-records").json()["count"] == 2


# --- escalation ------------------------------------------------------------------------


@pytest.mark.usefixtures("audit_flushable")  # the real worker commits: no test transaction
def test_an_escalation_fires_exactly_once_though_the_worker_was_down_at_its_instant(
    agreement: Any, customer: Any, team_lead: Any
) -> None:
    always = actions.create_calendar(
        actor=None,
        name="24x7",
        hours={d: [["00:00", "24:00"]] for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    )
    actions.update_agreement(
        agreement,
        actor=None,
        calendar=always,
        escalations=[
            {"kind": "resolution", "at_percent": 100, "action": "notify", "notify_user": team_lead}
        ],
    )
    started = dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=10)  # breached hours ago, worker down
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=started,
        kinds=["resolution"],
    )
    record = SlaRecord.objects.get()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert EscalationFiring.objects.count() == 0
    assert mail.outbox == []

    call_command("worker", "--once")  # the worker comes back
    assert EscalationFiring.objects.filter(record=record).count() == 1
    assert [m.to for m in mail.outbox] == [[team_lead.email]]
    record.refresh_from_db()
    assert record.breached_at == started + dt.timedelta(minutes=240)

    escalation.check(record.pk)  # a second worker, a retry, the sweep…
    call_command("worker", "--once")
    assert EscalationFiring.objects.count() == 1
    assert len(mail.outbox) == 1
    fired = AuditEntry.objects.filter(object_type="sla.slarecord", changes__has_key="escalation")
    assert fired.count() == 1


def test_an_escalation_at_75_percent_waits_for_its_instant(
    agreement: Any, customer: Any, team_lead: Any
) -> None:
    actions.update_agreement(
        agreement,
        actor=None,
        escalations=[
            {"kind": "resolution", "at_percent": 75, "action": "notify", "notify_user": team_lead}
        ],
    )
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
        kinds=["resolution"],
    )
    record = SlaRecord.objects.get()
    assert record.next_check_at == at("2026-10-13T13:00")
    assert escalation.check(record.pk, now=at("2026-10-13T12:59")) == []
    # The agreement's warning (75 % by default) falls at the same instant as the rule.
    assert escalation.check(record.pk, now=at("2026-10-13T13:00")) == [
        "warning",
        str(agreement.escalations.get()),
    ]
    record.refresh_from_db()
    assert record.next_check_at == at("2026-10-13T14:00")  # next: the breach itself


def test_the_cli_imports_chinas_holidays_into_a_calendar(office_calendar: Any, capsys: Any) -> None:
    call_command("calendar", "import-cn", "2026", "--calendar", "Office hours")
    assert "adjusted working days" in capsys.readouterr().out
    with pytest.raises(Exception, match="not available yet"):
        call_command("calendar", "import-cn", "2099", "--calendar", "Office hours")
    with pytest.raises(Exception, match="no calendar named"):
        call_command("calendar", "import-cn", "2026", "--calendar", "Nope")


def test_editing_an_agreement_does_not_fire_its_escalations_again(
    agreement: Any, customer: Any, team_lead: Any
) -> None:
    rule = {"kind": "resolution", "at_percent": 75, "action": "notify", "notify_user": team_lead}
    actions.update_agreement(agreement, actor=None, escalations=[rule])
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
        kinds=["resolution"],
    )
    record = SlaRecord.objects.get()
    assert escalation.check(record.pk, now=at("2026-10-13T13:30")) == ["warning", ANY]
    actions.update_agreement(agreement, actor=None, name="Renamed", escalations=[rule])
    assert escalation.check(record.pk, now=at("2026-10-13T13:31")) == []
    assert EscalationFiring.objects.count() == 1


# --- regressions found in review -------------------------------------------------------


def test_a_calendar_still_in_a_records_history_cannot_be_deleted(
    api_as: Any, admin: Any, agreement: Any, customer: Any, office_calendar: Any
) -> None:
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
    )
    other = actions.create_calendar(actor=None, name="Other")
    api = api_as(admin)
    assert api.patch(f"/api/v1/slas/{agreement.pk}", {"calendar": other.pk}).status_code == 200
    assert api.delete(f"/api/v1/calendars/{office_calendar.pk}").status_code == 422
    assert api.get("/api/v1/sla-records").json()["count"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hours": {"mon": []}}, "hours"),
        ({"timezone": "localtime"}, "timezone"),
    ],
)
def test_a_calendar_without_working_time_or_with_a_host_zone_is_refused(
    api_as: Any, admin: Any, body: dict[str, Any], field: str
) -> None:
    response = api_as(admin).post("/api/v1/calendars", {"name": "Empty", **body})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, field)


def test_a_target_beyond_a_year_is_refused_by_name(api_as: Any, admin: Any, agreement: Any) -> None:
    response = api_as(admin).patch(
        f"/api/v1/slas/{agreement.pk}",
        {"targets": [{"priority": "general", "resolution_minutes": 2_000_000_000}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "targets.0.resolution_minutes"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("import-cn", None, "years.0"),
        ("due", {"start": "0001-01-01T00:00:00Z", "minutes": 5}, "start"),
    ],
)
def test_out_of_range_years_are_422(
    api_as: Any, admin: Any, office_calendar: Any, path: str, params: Any, field: str
) -> None:
    api = api_as(admin)
    url = f"/api/v1/calendars/{office_calendar.pk}/{path}"
    response = api.post(url, {"years": [0]}) if params is None else api.get(url, params)
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, field)
    month = api.get("/api/v1/availability", {"month": "9999-12"})
    assert (month.status_code, month.json()["errors"][0]["field"]) == (422, "month")


def test_stopping_exactly_at_the_due_instant_meets_the_target(
    agreement: Any, customer: Any
) -> None:
    actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="general",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00:00.004"),
        kinds=["resolution"],
    )
    actions.pause_records(
        customer, actor=None, reason="waiting_on_customer", at=at("2026-10-13T11:20:00.006")
    )
    actions.resume_records(customer, actor=None, at=at("2026-10-13T11:30:00"))
    record = SlaRecord.objects.get()
    (stopped,) = actions.stop_records(customer, actor=None, kinds=["resolution"], at=record.due_at)
    assert (stopped.state, stopped.breached_at) == ("met", None)


def test_warnings_fall_on_the_exact_share_of_a_short_target(agreement: Any, customer: Any) -> None:
    actions.update_agreement(
        agreement, actor=None, targets=[{"priority": "urgent", "response_minutes": 10}]
    )
    (record,) = actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="urgent",
        organization_id=customer.pk,
        at=at("2026-10-13T10:00"),
        kinds=["response"],
    )
    assert record.warning_at == at("2026-10-13T10:07:30")


def test_a_broken_record_does_not_stop_the_sweep(
    agreement: Any, customer: Any, provider: Any, monkeypatch: Any
) -> None:
    from yunwei.sla import jobs

    for tracked in (customer, provider):
        actions.start_records(
            tracked,
            actor=None,
            agreement=agreement,
            priority="general",
            organization_id=customer.pk,
            at=at("2026-10-13T10:00"),
            kinds=["resolution"],
        )
    SlaRecord.objects.update(next_check_at=at("2026-10-13T09:00"))
    first, second = SlaRecord.objects.order_by("pk")
    checked = []

    def flaky(record_id: int, now: Any = None) -> list[str]:
        checked.append(record_id)
        if record_id == first.pk:
            raise RuntimeError("broken")
        return []

    monkeypatch.setattr(escalation, "check", flaky)
    assert jobs.sweep_sla_records() == 2
    assert checked == [first.pk, second.pk]
    first.refresh_from_db()
    assert first.next_check_at > dt.datetime.now(tz=dt.UTC)


def test_customers_do_not_see_internal_escalation_rules(
    api_as: Any, requester: Any, agreement: Any, team_lead: Any
) -> None:
    actions.update_agreement(
        agreement,
        actor=None,
        escalations=[
            {"kind": "resolution", "at_percent": 100, "action": "notify", "notify_user": team_lead}
        ],
    )
    assert api_as(requester).get(f"/api/v1/slas/{agreement.pk}").json()["escalations"] == []


@pytest.mark.parametrize(
    "path", ["/api/v1/sla-records", "/api/v1/slas", "/api/v1/outages", "/api/v1/calendars"]
)
def test_sla_list_endpoints_run_a_constant_number_of_queries(
    path: str, api_as: Any, admin: Any, agreement: Any, service: Any, customer: Any, provider: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OrganizationFactory

    api = api_as(admin)

    def add(n: int) -> None:
        for _ in range(n):
            tracked = OrganizationFactory()
            actions.start_records(
                tracked,
                actor=None,
                agreement=agreement,
                priority="general",
                organization_id=customer.pk,
                at=at("2026-10-13T10:00"),
            )
            actions.pause_records(
                tracked, actor=None, reason="waiting_on_customer", at=at("2026-10-13T11:00")
            )
            actions.record_outage(
                actor=None,
                service=service,
                started_at=at("2026-10-01T10:00"),
                ended_at=at("2026-10-01T10:30"),
            )
            actions.create_calendar(actor=None, name=f"Cal {tracked.pk}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{path}?limit=100").status_code == 200
        return len(ctx.captured_queries)

    add(1)
    queries()
    few = queries()
    add(6)
    assert queries() == few
