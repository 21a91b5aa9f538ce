"""The SLA compliance page and its CSV: the table, colours, who sees what, languages,
bad months and a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from tests.reports.conftest import SHANGHAI
from yunwei.catalog import actions as catalog_actions
from yunwei.sla import actions as sla_actions

pytestmark = pytest.mark.django_db

PAGE = "/reports/sla-compliance/"
CSV = "/reports/sla-compliance.csv"


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, tzinfo=SHANGHAI)


@pytest.fixture
def records(record: Any, desktop: Any, network: Any, customer: Any, other_customer: Any) -> None:
    for _i in range(19):
        record(desktop, customer, "response", "met", at(3, 2))
    record(desktop, customer, "response", "breached", at(3, 3))  # 95 %: green
    record(network, other_customer, "response", "met", at(3, 4))
    record(network, other_customer, "response", "breached", at(3, 5))  # 50 %: red


def test_the_page_shows_months_services_totals_and_colours(
    client: Any, agent: Any, records: None
) -> None:
    client.force_login(agent)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="row-2026-03-desktop"' in page
    assert 'data-testid="row-2026-03-network"' in page
    assert 'data-testid="month-total-2026-04"' in page  # months without records too
    assert '<span class="badge bg-green-lt">95.0 %</span>' in page
    assert '<span class="badge bg-red-lt">50.0 %</span>' in page
    # March over both services: 20 met of 22 decided.
    assert '<span class="badge bg-yellow-lt fw-bold">90.9 %</span>' in page
    assert 'data-testid="service-total-network"' in page
    assert f'href="{CSV}"' in page
    assert 'href="/reports/sla-compliance/"' in page  # in the menu


def test_a_customer_sees_only_their_organizations_rows_on_the_page(
    client: Any, requester: Any, other_customer: Any, records: None
) -> None:
    client.force_login(requester)
    page = client.get(PAGE).content.decode()
    assert 'data-testid="row-2026-03-desktop"' in page
    assert 'data-testid="row-2026-03-network"' not in page
    assert 'name="organization"' not in page  # the customer filter is the provider's
    page = client.get(PAGE, {"organization": other_customer.pk}).content.decode()
    assert "50.0 %" not in page


def test_the_page_reads_chinese_for_a_chinese_speaking_user(
    client: Any, agent: Any, records: None
) -> None:
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    page = client.get(PAGE).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "桌面运维" in page


def test_the_page_reads_english_for_an_english_speaking_user(
    client: Any, agent: Any, records: None
) -> None:
    agent.language = "en"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    page = client.get(PAGE).content.decode()
    assert '<html lang="en">' in page
    assert "Desktop support" in page


@pytest.mark.parametrize(
    ("query", "field"),
    [({"from": "2026-13"}, "from"), ({"to": "abc"}, "to"), ({"service": "999999"}, "service")],
)
def test_a_bad_filter_is_shown_on_its_field(
    client: Any, agent: Any, query: dict[str, str], field: str
) -> None:
    client.force_login(agent)
    response = client.get(PAGE, query)
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {field}
    assert client.get(CSV, query).status_code == 400


def test_the_csv_has_a_line_per_month_and_service_and_defuses_formulas(
    client: Any, agent: Any, customer: Any, calendar: Any, record: Any
) -> None:
    service = catalog_actions.create_service(
        actor=None, code="calc", name_en="=HYPERLINK(1)", category="other",
        organizations=[customer],
    )  # fmt: skip
    sla_actions.create_agreement(actor=None, name="Calc SLA", service=service, calendar=calendar)
    record(service, customer, "response", "met", at(3, 2))
    record(service, customer, "resolution", "breached", at(4, 2))
    client.force_login(agent)
    response = client.get(CSV, {"from": "2026-03", "to": "2026-04"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().lstrip("\ufeff").splitlines()
    assert lines[1:] == [
        "2026-03,calc,'=HYPERLINK(1),1,0,0,100.0,0,0,0,",
        "2026-04,calc,'=HYPERLINK(1),0,0,0,,0,1,0,0.0",
    ]


def test_auditors_read_the_reports_and_staff_without_the_permissions_do_not(
    client: Any, auditor: Any, provider: Any
) -> None:
    client.force_login(auditor)
    assert client.get(PAGE).status_code == 200
    assert client.get("/dashboard/").status_code == 200
    client.force_login(UserFactory(organization=provider, roles=["hr_manager"]))
    assert client.get(PAGE).status_code == 403
    assert client.get("/dashboard/").status_code == 403
    assert client.get(CSV).status_code == 403


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_the_page_runs_the_same_queries_for_2_or_20_services(
    client: Any, request: Any, who: str, customer: Any, calendar: Any, record: Any
) -> None:
    client.force_login(request.getfixturevalue(who))

    def add_services(first: int, count: int) -> None:
        for number in range(first, first + count):
            service = catalog_actions.create_service(
                actor=None, code=f"service-{number}", name_en=f"Service {number}",
                category="other", organizations=[customer],
            )  # fmt: skip
            sla_actions.create_agreement(
                actor=None, name=f"SLA {number}", service=service, calendar=calendar
            )
            record(service, customer, "response", "met", at(3, 1))
            record(service, customer, "resolution", "breached", at(4, 1))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == 200
        return len(ctx.captured_queries)

    add_services(0, 2)
    client.get(PAGE)
    few = queries()
    add_services(2, 18)
    assert queries() == few
