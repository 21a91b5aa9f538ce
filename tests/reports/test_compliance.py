"""Monthly SLA compliance: the numbers, the months in the provider's zone, who sees
what, bad months, and one query however many rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reports.conftest import NOW, SHANGHAI
from yunwei.catalog.models import Service
from yunwei.reports import compliance

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/sla-compliance"
UTC = dt.UTC


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def records(record: Any, desktop: Any, network: Any, customer: Any, other_customer: Any) -> None:
    # Desktop, Acme — March: response met, breached, and running past its due (breached).
    record(desktop, customer, "response", "met", at(3, 10))
    record(desktop, customer, "response", "breached", at(3, 11))
    record(desktop, customer, "response", "running", at(3, 12), due=at(3, 12, 14))
    record(desktop, customer, "response", "cancelled", at(3, 13))  # does not count
    # April: two open resolutions (one running before its due, one paused), one paused
    # that the worker already marked breached.
    record(desktop, customer, "resolution", "running", at(4, 10), due=at(4, 20))
    record(desktop, customer, "resolution", "paused", at(4, 11))
    record(desktop, customer, "resolution", "paused", at(4, 12), breached_at=at(4, 13))
    # 2026-03-31 17:00 UTC is 1 April, 01:00 in Shanghai: an April record.
    record(desktop, customer, "response", "met", dt.datetime(2026, 3, 31, 17, tzinfo=UTC))
    # Not a ticket: not in the report.
    record(desktop, customer, "response", "met", at(3, 14), tracked=Service)
    # Network, Globex — March.
    record(network, other_customer, "response", "met", at(3, 15))
    record(network, other_customer, "resolution", "breached", at(3, 16))


def tally(met: int, breached: int, open_: int, percent: float | None) -> dict[str, Any]:
    return {"met": met, "breached": breached, "open": open_, "percent_met": percent}


NOTHING = tally(0, 0, 0, None)


def test_the_report_counts_met_breached_and_open_per_month_and_service(
    api_as: Any, agent: Any, desktop: Any, network: Any, records: None
) -> None:
    body = api_as(agent).get(URL).json()
    assert (body["from"], body["to"], body["timezone"]) == ("2025-05", "2026-04", "Asia/Shanghai")
    assert body["services"] == [
        {"id": desktop.pk, "code": "desktop", "name": "Desktop support"},
        {"id": network.pk, "code": "network", "name": "Network operations"},
    ]
    assert body["rows"] == [
        {
            "month": "2026-03",
            "service": desktop.pk,
            "response": tally(1, 2, 0, 33.3),
            "resolution": NOTHING,
        },
        {
            "month": "2026-03",
            "service": network.pk,
            "response": tally(1, 0, 0, 100.0),
            "resolution": tally(0, 1, 0, 0.0),
        },
        {
            "month": "2026-04",
            "service": desktop.pk,
            "response": tally(1, 0, 0, 100.0),
            "resolution": tally(0, 1, 2, 0.0),
        },
    ]
    months = {row["month"]: row for row in body["months"]}
    assert len(months) == 12
    assert months["2026-03"]["response"] == tally(2, 2, 0, 50.0)
    assert months["2026-02"]["response"] == NOTHING
    assert body["service_totals"][0] == {
        "service": desktop.pk,
        "response": tally(2, 2, 0, 50.0),
        "resolution": tally(0, 1, 2, 0.0),
    }
    assert body["total"] == {
        "response": tally(3, 2, 0, 60.0),
        "resolution": tally(0, 2, 2, 0.0),
    }


def test_months_are_the_providers_calendar_months(
    api_as: Any, agent: Any, record: Any, desktop: Any, customer: Any
) -> None:
    record(desktop, customer, "response", "met", dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
    record(desktop, customer, "response", "met", dt.datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    body = api_as(agent).get(URL, {"from": "2026-03", "to": "2026-04"}).json()
    assert [(row["month"], row["response"]["met"]) for row in body["rows"]] == [
        ("2026-03", 1),
        ("2026-04", 1),
    ]


def test_filters_by_months_service_and_customer(
    api_as: Any, agent: Any, desktop: Any, network: Any, customer: Any, records: None
) -> None:
    client = api_as(agent)
    body = client.get(URL, {"from": "2026-04", "to": "2026-04"}).json()
    assert [row["month"] for row in body["rows"]] == ["2026-04"]
    body = client.get(URL, {"service": network.pk}).json()
    assert {row["service"] for row in body["rows"]} == {network.pk}
    body = client.get(URL, {"organization": customer.pk}).json()
    assert body["total"]["response"] == tally(2, 2, 0, 50.0)
    assert {row["service"] for row in body["rows"]} == {desktop.pk}


def test_only_from_gives_twelve_months_from_it(api_as: Any, agent: Any) -> None:
    body = api_as(agent).get(URL, {"from": "2025-01"}).json()
    assert (body["from"], body["to"]) == ("2025-01", "2025-12")


def test_a_customer_sees_only_their_organizations_numbers(
    api_as: Any, requester: Any, other_customer: Any, desktop: Any, records: None
) -> None:
    client = api_as(requester)
    body = client.get(URL).json()
    assert {row["service"] for row in body["rows"]} == {desktop.pk}
    assert body["total"] == {
        "response": tally(2, 2, 0, 50.0),
        "resolution": tally(0, 1, 2, 0.0),
    }
    other = client.get(URL, {"organization": other_customer.pk})
    assert other.status_code == 200
    assert other.json()["rows"] == []
    assert other.json()["total"]["resolution"] == NOTHING


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"to": "abc"}, "to"),
        ({"from": "2026-05", "to": "2026-04"}, "from"),
        ({"from": "2023-01", "to": "2026-01"}, "to"),
        ({"from": "0000-01"}, "from"),
        ({"service": "x"}, "service"),
        ({"service": str(10**30)}, "service"),
        ({"organization": str(10**30)}, "organization"),
    ],
)
def test_bad_months_are_refused_naming_the_field(
    api_as: Any, agent: Any, query: dict[str, str], field: str
) -> None:
    response = api_as(agent).get(URL, query)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_thirty_six_months_are_allowed(api_as: Any, agent: Any) -> None:
    response = api_as(agent).get(URL, {"from": "2023-05", "to": "2026-04"})
    assert response.status_code == 200
    assert len(response.json()["months"]) == 36


def test_signing_in_is_required(client: Any) -> None:
    assert client.get(URL).status_code == 401


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_the_report_runs_the_same_queries_for_2_or_20_services(
    api_as: Any, request: Any, who: str, customer: Any, calendar: Any, record: Any
) -> None:
    from yunwei.catalog import actions as catalog_actions
    from yunwei.sla import actions as sla_actions

    client = api_as(request.getfixturevalue(who))

    def add_services(count: int) -> None:
        for _i in range(count):
            number = Service.objects.count()
            service = catalog_actions.create_service(
                actor=None,
                code=f"service-{number}",
                name_en=f"Service {number}",
                category="other",
                organizations=[customer],
            )
            sla_actions.create_agreement(
                actor=None, name=f"SLA {number}", service=service, calendar=calendar
            )
            for month in (2, 3, 4):
                record(service, customer, "response", "met", at(month, 1))
                record(service, customer, "resolution", "running", at(month, 2), due=at(5, 1))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    add_services(2)
    client.get(URL)  # warm the content-type cache
    few = queries()
    add_services(18)
    assert queries() == few
    assert len(client.get(URL).json()["rows"]) == 60


def test_compliance_sql_is_the_statement_the_report_runs(
    agent: Any, desktop: Any, network: Any, records: None
) -> None:
    start, end = compliance.month_range(None, None)
    sql, params = compliance.compliance_sql(agent, start=start, end=end, now=NOW)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    rows = compliance.compliance_queryset(agent, start=start, end=end, now=NOW)
    assert len(raw) == len(rows) == 8
    # Every counted record once: not the cancelled one, nor the one that is no ticket.
    assert sum(row["records"] for row in rows) == 9
