from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import OrganizationFactory
from yunwei.catalog import actions
from yunwei.catalog.models import Service
from yunwei.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Any, admin: Any) -> Any:
    client.force_login(admin)
    return client


def test_every_catalogue_page_opens_for_an_admin(admin_client: Any, ours: Service) -> None:
    for page in [
        "/catalog/services/",
        "/catalog/services/new/",
        f"/catalog/services/{ours.pk}/",
        f"/catalog/services/{ours.pk}/edit/",
    ]:
        assert admin_client.get(page).status_code == 200, page


def test_the_detail_page_shows_the_service_its_customers_and_its_history(
    admin_client: Any, admin: Any, ours: Service
) -> None:
    actions.update_service(ours, actor=admin, status="retired")
    page = admin_client.get(f"/catalog/services/{ours.pk}/").content.decode()
    for text in [
        "Desktop support",
        "桌面运维",
        "Operations",
        "Retired",
        "Desk",
        "Acme",
        admin.email,
    ]:
        assert text in page, text


def test_an_admin_creates_a_service_through_the_form(
    admin_client: Any, customer: Any, desk: Any
) -> None:
    response = admin_client.post(
        "/catalog/services/new/",
        {
            "code": "backup",
            "name_zh": "数据备份与恢复",
            "name_en": "Backup & restore",
            "category": "data_management",
            "status": "live",
            "owner_team": desk.pk,
            "organizations": [customer.pk],
            "description": "",
        },
    )
    service = Service.objects.get(code="backup")
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/services/{service.pk}/"
    assert list(service.organizations.all()) == [customer]
    entry = AuditEntry.objects.for_object(service).get()
    assert (entry.action, entry.source) == ("create", "web")


def test_the_form_shows_a_missing_name_as_an_error_and_writes_nothing(
    admin_client: Any, ours: Service
) -> None:
    entries = AuditEntry.objects.count()
    response = admin_client.post(
        f"/catalog/services/{ours.pk}/edit/",
        {
            "code": "desktop",
            "name_zh": "",
            "name_en": " ",
            "category": "operations",
            "status": "live",
        },
    )
    assert response.status_code == 200
    assert "Give the service a name in Chinese, in English or both." in response.content.decode()
    assert AuditEntry.objects.count() == entries


def test_a_requester_sees_only_their_services_in_the_catalogue(
    client: Any, requester: Any, ours: Service, theirs: Service, unsubscribed: Service
) -> None:
    client.force_login(requester)
    page = client.get("/catalog/services/").content.decode()
    assert "Desktop support" in page
    assert "Network operations" not in page
    assert "Cloud operations" not in page
    assert "Owner team" not in page
    assert client.get(f"/catalog/services/{ours.pk}/").status_code == 200
    assert client.get(f"/catalog/services/{theirs.pk}/").status_code == 404
    assert client.get(f"/catalog/services/{unsubscribed.pk}/").status_code == 404


def test_a_requester_does_not_see_other_subscribers_or_the_owner_team(
    client: Any, requester: Any, ours: Service, customer: Any, other_customer: Any, desk: Any
) -> None:
    actions.update_service(ours, actor=None, organizations=[customer, other_customer])
    client.force_login(requester)
    page = client.get(f"/catalog/services/{ours.pk}/").content.decode()
    assert "Globex" not in page
    assert f"/accounts/teams/{desk.pk}/" not in page
    assert "Subscribing customers" not in page


def test_only_those_allowed_may_open_the_forms(
    client: Any, requester: Any, agent: Any, ours: Service
) -> None:
    client.force_login(requester)
    assert client.get("/catalog/services/new/").status_code == 403
    assert client.get(f"/catalog/services/{ours.pk}/edit/").status_code == 403
    client.force_login(agent)
    assert client.get("/catalog/services/").status_code == 200
    assert 'data-testid="add-object"' not in client.get("/catalog/services/").content.decode()
    assert client.get("/catalog/services/new/").status_code == 403
    response = client.post(
        f"/catalog/services/{ours.pk}/edit/",
        {"code": "desktop", "name_en": "X", "category": "other", "status": "retired"},
    )
    assert response.status_code == 403
    ours.refresh_from_db()
    assert ours.status == "live"


@pytest.mark.parametrize("who", ["admin", "requester"])
def test_the_menu_shows_the_service_catalogue(client: Any, request: Any, who: str) -> None:
    client.force_login(request.getfixturevalue(who))
    # Customers land on the portal; the staff layout's menu is on every other page.
    page = client.get("/catalog/services/").content.decode()
    assert 'href="/catalog/services/"' in page
    assert "Service catalogue" in page


def test_the_catalogue_reads_chinese_for_a_chinese_speaking_user(
    client: Any, requester: Any, ours: Service
) -> None:
    requester.language = "zh-hans"
    requester.save(update_fields=["language"])
    client.force_login(requester)
    page = client.get("/catalog/services/").content.decode()
    assert "服务目录" in page
    assert "桌面运维" in page
    assert "运行中" in page


def test_the_list_page_can_be_filtered_and_sorted_by_name(
    admin_client: Any, ours: Service, theirs: Service, unsubscribed: Service
) -> None:
    page = admin_client.get("/catalog/services/?category=network").content.decode()
    assert "Network operations" in page
    assert "Desktop support" not in page
    page = admin_client.get("/catalog/services/?sort=-name").content.decode()
    order = [
        page.index(name) for name in ["Network operations", "Desktop support", "Cloud operations"]
    ]
    assert order == sorted(order)


@pytest.mark.parametrize("who", ["admin", "requester"])
def test_the_list_page_runs_a_constant_number_of_queries(
    client: Any, request: Any, who: str, customer: Any, desk: Any, ours: Service
) -> None:
    client.force_login(request.getfixturevalue(who))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/catalog/services/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for i in range(10):
        actions.create_service(
            actor=None,
            code=f"service-{i}",
            name_en=f"Service {i}",
            category="other",
            owner_team=desk,
            organizations=[customer, OrganizationFactory()],
        )
    assert queries() == few


def test_record_links_in_a_list_are_plain_links_not_table_swaps(
    client: Any, admin: Any, ours: Any
) -> None:
    client.force_login(admin)
    page = client.get("/catalog/services/").content.decode()
    assert '<tbody hx-boost="false"' in page
