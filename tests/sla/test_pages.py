"""The service-level pages: calendars, agreements, outages, an SLA record's timeline and
monthly availability."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yunwei.catalog import actions as catalog_actions
from yunwei.catalog.models import Service
from yunwei.core.models import AuditEntry
from yunwei.sla import actions
from yunwei.sla.models import Agreement, Calendar, Outage, SlaRecord

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
OFFICE = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def admin_client(client: Any, admin: Any) -> Any:
    client.force_login(admin)
    return client


@pytest.fixture
def calendar(db: Any) -> Calendar:
    return actions.create_calendar(
        actor=None,
        name="Office hours",
        hours=OFFICE,
        exceptions=[{"date": "2026-10-01", "working": False}],
    )


@pytest.fixture
def service(customer: Any, other_customer: Any) -> Service:
    return catalog_actions.create_service(
        actor=None,
        code="desktop",
        name_en="Desktop support",
        category="operations",
        organizations=[customer, other_customer],
    )


@pytest.fixture
def agreement(service: Service, calendar: Calendar) -> Agreement:
    return actions.create_agreement(
        actor=None,
        name="Desktop SLA",
        service=service,
        calendar=calendar,
        escalations=[
            {"kind": "resolution", "at_percent": 75, "action": "notify", "notify_role": "team_lead"}
        ],
    )


@pytest.fixture
def outage(service: Service) -> Outage:
    return actions.record_outage(
        actor=None,
        service=service,
        started_at=MONDAY_9,
        ended_at=MONDAY_9 + dt.timedelta(minutes=45),
        incident_reference="INC-1",
    )


def _paused_record(agreement: Agreement, organization: Any) -> SlaRecord:
    """A response record that ran 90 business minutes, then paused."""
    records = actions.start_records(
        organization,
        actor=None,
        agreement=agreement,
        priority="urgent",
        organization_id=organization.pk,
        at=MONDAY_9,
    )
    actions.pause_records(
        organization,
        actor=None,
        reason="waiting for the customer",
        at=MONDAY_9 + dt.timedelta(minutes=90),
    )
    return next(r for r in records if r.kind == "response")


def test_every_sla_page_opens_for_an_admin(
    admin_client: Any, calendar: Calendar, agreement: Agreement, outage: Outage, customer: Any
) -> None:
    record = _paused_record(agreement, customer)
    pages = [
        "/sla/calendars/",
        "/sla/calendars/new/",
        f"/sla/calendars/{calendar.pk}/",
        f"/sla/calendars/{calendar.pk}/edit/",
        "/sla/agreements/",
        "/sla/agreements/new/",
        f"/sla/agreements/{agreement.pk}/",
        f"/sla/agreements/{agreement.pk}/edit/",
        "/sla/outages/",
        "/sla/outages/?month=2026-03&planned=false",
        "/sla/outages/new/",
        f"/sla/outages/{outage.pk}/",
        f"/sla/outages/{outage.pk}/edit/",
        f"/sla/records/{record.pk}/",
        "/sla/availability/",
        "/sla/availability/?month=2026-03",
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_a_requester_may_not_open_calendars_agreements_or_outages(
    client: Any, requester: Any, calendar: Calendar, agreement: Agreement
) -> None:
    client.force_login(requester)
    assert client.get("/sla/calendars/").status_code == 403
    assert client.get(f"/sla/calendars/{calendar.pk}/").status_code == 403
    assert client.get("/sla/agreements/").status_code == 403
    assert client.get(f"/sla/agreements/{agreement.pk}/").status_code == 403
    assert client.get("/sla/outages/").status_code == 403
    assert client.get("/sla/availability/").status_code == 403


def test_a_requester_sees_their_own_sla_record_but_not_another_organizations(
    client: Any, requester: Any, agreement: Agreement, customer: Any, other_customer: Any
) -> None:
    ours = _paused_record(agreement, customer)
    theirs = _paused_record(agreement, other_customer)
    client.force_login(requester)
    assert client.get(f"/sla/records/{ours.pk}/").status_code == 200
    assert client.get(f"/sla/records/{theirs.pk}/").status_code == 404


def test_the_record_page_explains_the_timeline(
    admin_client: Any, agreement: Agreement, customer: Any
) -> None:
    record = _paused_record(agreement, customer)
    response = admin_client.get(f"/sla/records/{record.pk}/")
    timeline = response.context["timeline"]
    assert [(row["running"], row["reason"]) for row in timeline] == [
        (True, ""),
        (False, "waiting for the customer"),
    ]
    assert timeline[0]["minutes"] == 90.0
    assert timeline[0]["end"] == MONDAY_9 + dt.timedelta(minutes=90)
    assert timeline[1]["end"] is None
    assert response.context["counted"] == 90.0
    assert response.context["urgency"] == "orange"  # past the 75 % warning (90 of 120)
    html = response.content.decode()
    assert "2026-03-02 09:00" in html  # the admin's time zone, Asia/Shanghai
    assert "2026-03-02 10:30" in html
    assert "waiting for the customer" in html
    assert (
        "Target 120 business minutes; 90.0 counted so far; no due time while the clock is "
        "paused (calendar Office hours version 1)." in " ".join(html.split())
    )


def test_the_record_of_a_running_clock_shows_its_due_time(
    admin_client: Any, agreement: Agreement, customer: Any
) -> None:
    records = actions.start_records(
        customer,
        actor=None,
        agreement=agreement,
        priority="urgent",
        organization_id=customer.pk,
        at=MONDAY_9,
    )
    record = next(r for r in records if r.kind == "response")
    response = admin_client.get(f"/sla/records/{record.pk}/")
    html = " ".join(response.content.decode().split())
    assert "due at 2026-03-02 11:00 (calendar Office hours version 1)" in html
    assert response.context["urgency"] == "red"  # that was long ago


def test_the_calendar_form_parses_friendly_hours_and_exception_lines(admin_client: Any) -> None:
    response = admin_client.post(
        "/sla/calendars/new/",
        {
            "name": "Beijing office",
            "timezone": "Asia/Shanghai",
            "mon": "13:30-18:00, 09:00-12:00",
            "tue": "09:00-12:00\uff0c13:30-18:00",  # a Chinese comma
            "wed": "9:00 - 18:00",
            "thu": "09:00-18:00",
            "fri": "09:00-17:00",
            "sat": "",
            "sun": "",
            "exceptions": "2026-10-10 09:00-18:00\n\n2026-10-01 off\n2026-10-11 on\n",
        },
    )
    calendar = Calendar.objects.get(name="Beijing office")
    assert response.status_code == 302
    assert response["Location"] == f"/sla/calendars/{calendar.pk}/"
    assert calendar.hours == {
        "mon": [["09:00", "12:00"], ["13:30", "18:00"]],
        "tue": [["09:00", "12:00"], ["13:30", "18:00"]],
        "wed": [["09:00", "18:00"]],
        "thu": [["09:00", "18:00"]],
        "fri": [["09:00", "17:00"]],
    }
    assert calendar.exceptions == [
        {"date": "2026-10-01", "working": False},
        {"date": "2026-10-10", "working": True, "hours": [["09:00", "18:00"]]},
        {"date": "2026-10-11", "working": True},
    ]
    entry = AuditEntry.objects.for_object(calendar).get()
    assert (entry.action, entry.source) == ("create", "web")
    assert entry.changes["hours"][1] == calendar.hours


def test_a_bad_exception_line_is_named_and_nothing_is_saved(admin_client: Any) -> None:
    before = AuditEntry.objects.count()
    response = admin_client.post(
        "/sla/calendars/new/",
        {
            "name": "Broken",
            "timezone": "Asia/Shanghai",
            "mon": "09:00-18:00",
            "exceptions": "2026-10-01 off\n2026-13-01 off\n2026-10-02 sometimes",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["exceptions"] == [
        "Line 2 “2026-13-01 off”: “2026-13-01” is not a date like 2026-10-01.",
        "Line 3 “2026-10-02 sometimes”: “sometimes” is not a time range like 09:00-12:00.",
    ]
    assert "Line 2 “2026-13-01 off”" in response.content.decode()
    assert not Calendar.objects.filter(name="Broken").exists()
    assert AuditEntry.objects.count() == before


def test_bad_hours_are_shown_on_their_weekday(admin_client: Any) -> None:
    response = admin_client.post(
        "/sla/calendars/new/",
        {"name": "Broken", "timezone": "Asia/Shanghai", "tue": "09:00-12:00, 11:00-13:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["tue"] == ["09:00-12:00 and 11:00-13:00 overlap."]
    assert not Calendar.objects.filter(name="Broken").exists()


def test_an_error_of_the_action_lands_on_the_exception_line(admin_client: Any) -> None:
    response = admin_client.post(
        "/sla/calendars/new/",
        {"name": "Closed", "timezone": "UTC", "sat": "10:00-12:00", "exceptions": "2026-10-01 on"},
    )
    assert response.status_code == 302  # Saturday's hours are the normal ones
    response = admin_client.post(
        "/sla/calendars/new/",
        {"name": "Nothing", "timezone": "UTC", "exceptions": "2026-10-01 on"},
    )
    assert response.context["form"].errors["mon"] == ["Give working hours for at least one day."]


def test_editing_a_calendar_makes_a_new_version(admin_client: Any, calendar: Calendar) -> None:
    form = admin_client.get(f"/sla/calendars/{calendar.pk}/edit/").context["form"]
    assert form.initial["mon"] == "09:00-18:00"
    assert form.initial["exceptions"] == "2026-10-01 off"
    data = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        **dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-18:00"),
        "exceptions": "2026-10-01 off",
    }
    admin_client.post(f"/sla/calendars/{calendar.pk}/edit/", data)
    calendar.refresh_from_db()
    assert calendar.version == 1  # nothing changed
    admin_client.post(f"/sla/calendars/{calendar.pk}/edit/", {**data, "sat": "10:00-14:00"})
    calendar.refresh_from_db()
    assert calendar.version == 2
    assert calendar.hours["sat"] == [["10:00", "14:00"]]
    assert AuditEntry.objects.for_object(calendar).filter(action="update").count() == 1


def test_china_holidays_are_imported_from_the_calendar_page(
    admin_client: Any, calendar: Calendar
) -> None:
    assert admin_client.get(f"/sla/calendars/{calendar.pk}/import-cn/").status_code == 405
    response = admin_client.post(
        f"/sla/calendars/{calendar.pk}/import-cn/", {"years": "2025"}, follow=True
    )
    calendar.refresh_from_db()
    assert {"date": "2025-10-01", "working": False} in calendar.exceptions
    assert {"date": "2025-09-28", "working": True} in calendar.exceptions  # a Sunday worked
    assert {"date": "2026-10-01", "working": False} in calendar.exceptions  # other years kept
    assert calendar.version == 2
    assert "2025-09-28" in response.content.decode()


def test_a_year_without_a_schedule_is_reported_as_a_message(
    admin_client: Any, calendar: Calendar
) -> None:
    before = AuditEntry.objects.count()
    response = admin_client.post(
        f"/sla/calendars/{calendar.pk}/import-cn/", {"years": "2099"}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "China's holiday schedule for 2099 is not available yet; enter its exceptions by hand "
        "once it is published."
    ]
    calendar.refresh_from_db()
    assert calendar.version == 1
    assert AuditEntry.objects.count() == before


def _agreement_data(service: Service, calendar: Calendar, **extra: Any) -> dict[str, Any]:
    data = {
        "name": "Desktop gold",
        "service": service.pk,
        "organization": "",
        "calendar": calendar.pk,
        "availability_target": "99.5",
        "max_interruption_minutes": "30",
        "warning_percent": "80",
        "pause_states": ["waiting_on_customer"],
        "is_active": "on",
        "urgent_response": "30",
        "urgent_resolution": "240",
        "important_response": "60",
        "important_resolution": "480",
        "general_response": "120",
        "general_resolution": "960",
        "unimportant_response": "240",
        "unimportant_resolution": "2400",
    }
    return {**data, **extra}


def test_the_agreement_form_saves_targets_and_rules(
    admin_client: Any, service: Service, calendar: Calendar, team_lead: Any
) -> None:
    new = admin_client.get("/sla/agreements/new/").context["form"]
    assert (new.initial["urgent_response"], new.initial["urgent_resolution"]) == (120, 240)
    assert new.initial["pause_states"] == ["waiting_on_customer"]
    response = admin_client.post(
        "/sla/agreements/new/",
        _agreement_data(
            service,
            calendar,
            esc0_kind="resolution",
            esc0_at_percent="100",
            esc0_action="notify",
            esc0_notify_user=team_lead.pk,
            esc1_kind="response",
            esc1_at_percent="",
            esc1_action="raise_priority",
        ),
    )
    agreement = Agreement.objects.get(name="Desktop gold")
    assert response.status_code == 302
    assert response["Location"] == f"/sla/agreements/{agreement.pk}/"
    targets = {
        t.priority: (t.response_minutes, t.resolution_minutes) for t in agreement.targets.all()
    }
    assert targets == {
        "urgent": (30, 240),
        "important": (60, 480),
        "general": (120, 960),
        "unimportant": (240, 2400),
    }
    rules = [(r.kind, r.at_percent, r.action, r.notify_user) for r in agreement.escalations.all()]
    assert rules == [("resolution", 100, "notify", team_lead)]
    assert agreement.pause_states == ["waiting_on_customer"]
    assert str(agreement.availability_target) == "99.500"
    assert AuditEntry.objects.for_object(agreement).get().action == "create"
    detail = admin_client.get(agreement.get_absolute_url()).content.decode()
    assert "30 min" in detail
    assert "(0:30)" in detail
    assert "(40:00)" in detail


def test_the_agreement_form_shows_an_action_error_on_its_rule(
    admin_client: Any, service: Service, calendar: Calendar
) -> None:
    response = admin_client.post(
        "/sla/agreements/new/",
        _agreement_data(service, calendar, esc1_at_percent="50", esc1_action="reassign"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["esc1_reassign_team"] == ["Say which team takes over."]
    assert not Agreement.objects.exists()


def test_editing_an_agreement_keeps_unchanged_rules(
    admin_client: Any, agreement: Agreement, service: Service, calendar: Calendar
) -> None:
    rule = agreement.escalations.get()
    data = _agreement_data(
        service,
        calendar,
        name=agreement.name,
        esc0_kind="resolution",
        esc0_at_percent="75",
        esc0_action="notify",
        esc0_notify_role="team_lead",
    )
    response = admin_client.post(f"/sla/agreements/{agreement.pk}/edit/", data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.escalations.get() == rule
    assert agreement.targets.get(priority="urgent").response_minutes == 30
    assert agreement.version == 2


def test_a_second_default_agreement_for_a_service_is_refused(
    admin_client: Any, agreement: Agreement, service: Service, calendar: Calendar
) -> None:
    response = admin_client.post("/sla/agreements/new/", _agreement_data(service, calendar))
    assert response.status_code == 200
    assert (
        "This service already has a default agreement."
        in response.context["form"].errors["organization"]
    )
    assert Agreement.objects.count() == 1


def test_outage_times_are_read_in_the_users_time_zone(
    admin_client: Any, service: Service, customer: Any
) -> None:
    response = admin_client.post(
        "/sla/outages/new/",
        {
            "service": service.pk,
            "organization": customer.pk,
            "started_at": "2026-03-02T09:00",
            "ended_at": "2026-03-02T09:45",
            "incident_reference": "INC-7",
            "description": "Switch failure.",
        },
    )
    outage = Outage.objects.get()
    assert response.status_code == 302
    assert outage.started_at == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    assert outage.ended_at == dt.datetime(2026, 3, 2, 1, 45, tzinfo=dt.UTC)
    assert outage.planned is False
    edit = admin_client.get(f"/sla/outages/{outage.pk}/edit/").content.decode()
    assert 'value="2026-03-02T09:00"' in edit


def test_an_outage_must_end_after_it_starts(admin_client: Any, service: Service) -> None:
    response = admin_client.post(
        "/sla/outages/new/",
        {"service": service.pk, "started_at": "2026-03-02T09:00", "ended_at": "2026-03-02T08:00"},
    )
    assert response.context["form"].errors["ended_at"] == ["An outage must end after it starts."]
    assert not Outage.objects.exists()


def test_the_outage_list_filters_by_month(admin_client: Any, outage: Outage) -> None:
    march = admin_client.get("/sla/outages/?month=2026-03")
    april = admin_client.get("/sla/outages/?month=2026-04")
    assert list(march.context["table"].data) == [outage]
    assert list(april.context["table"].data) == []


def test_the_availability_page_charts_services_against_targets(
    admin_client: Any, agreement: Agreement, outage: Outage
) -> None:
    response = admin_client.get("/sla/availability/?month=2026-03")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert '<script id="availability-chart-data" type="application/json">' in html
    chart = response.context["chart"]
    assert chart["labels"] == ["Desktop support"]
    assert chart["target"] == [99.9]
    assert chart["met"] == [False]  # 45 minutes down of 44,640
    assert [row.organization for row in response.context["customer_rows"]] == ["Acme", "Globex"]


def test_list_pages_use_a_constant_number_of_queries(
    admin_client: Any, agreement: Agreement, service: Service, outage: Outage
) -> None:
    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(path).status_code == 200
        return len(queries)

    before = {path: count(path) for path in ("/sla/agreements/", "/sla/outages/")}
    other = catalog_actions.create_service(
        actor=None, code="network", name_en="Network", category="network"
    )
    actions.create_agreement(
        actor=None, name="Network SLA", service=other, calendar=agreement.calendar
    )
    actions.record_outage(actor=None, service=other, started_at=MONDAY_9)
    after = {path: count(path) for path in ("/sla/agreements/", "/sla/outages/")}
    assert after == before
