from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import OrganizationFactory
from yunwei.accounts import actions as account_actions
from yunwei.catalog import actions
from yunwei.catalog.models import Service
from yunwei.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _history(service_id: int) -> list[tuple[str, dict[str, Any]]]:
    return list(
        AuditEntry.objects.filter(object_type="catalog.service", object_id=str(service_id))
        .order_by("id")
        .values_list("action", "changes")
    )


def _without_times(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in {"created_at", "updated_at"}}


# --- writes by an admin ----------------------------------------------------------------


def test_an_admin_creates_reads_updates_and_deletes_a_service(
    api_as: Any, admin: Any, customer: Any, other_customer: Any, desk: Any
) -> None:
    api = api_as(admin)
    response = api.post(
        "/api/v1/services",
        {
            "code": "desktop",
            "name_zh": "桌面运维",
            "name_en": "Desktop support",
            "category": "operations",
            "owner_team": desk.pk,
            "organizations": [other_customer.pk, customer.pk],
            "description": "PCs and printers.",
        },
        **ENGLISH,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    pk = created["id"]
    assert _without_times(created) == {
        "id": pk,
        "code": "desktop",
        "name": "Desktop support",
        "name_zh": "桌面运维",
        "name_en": "Desktop support",
        "category": "operations",
        "owner_team": {"id": desk.pk, "name": "Desk"},
        "status": "live",
        "organizations": [
            {"id": customer.pk, "name": "Acme"},
            {"id": other_customer.pk, "name": "Globex"},
        ],
        "description": "PCs and printers.",
    }
    assert api.get(f"/api/v1/services/{pk}", **ENGLISH).json() == created

    response = api.patch(
        f"/api/v1/services/{pk}",
        {"status": "retired", "owner_team": None, "organizations": [customer.pk]},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["owner_team"]) == ("retired", None)
    assert [o["id"] for o in response.json()["organizations"]] == [customer.pk]

    assert api.delete(f"/api/v1/services/{pk}").status_code == 204
    assert not Service.objects.filter(pk=pk).exists()
    assert api.get(f"/api/v1/services/{pk}").status_code == 404

    history = _history(pk)
    assert [action for action, _changes in history] == ["create", "update", "delete"]
    assert history[0][1]["organizations"] == [None, sorted([customer.pk, other_customer.pk])]
    assert history[1][1] == {
        "organizations": [sorted([customer.pk, other_customer.pk]), [customer.pk]],
        "owner_team": [desk.pk, None],
        "status": ["live", "retired"],
    }
    assert history[2][1]["code"] == ["desktop", None]


def test_a_patch_that_changes_nothing_writes_no_audit_entry(
    api_as: Any, admin: Any, ours: Service, customer: Any
) -> None:
    before = ours.updated_at
    response = api_as(admin).patch(
        f"/api/v1/services/{ours.pk}",
        {"code": "desktop", "status": "live", "organizations": [customer.pk]},
    )
    assert response.status_code == 200
    assert [action for action, _changes in _history(ours.pk)] == ["create"]
    ours.refresh_from_db()
    assert ours.updated_at == before


def test_the_display_name_follows_the_language_and_falls_back_to_the_other(
    api_as: Any, admin: Any, ours: Service, unsubscribed: Service
) -> None:
    api = api_as(admin)
    assert api.get(f"/api/v1/services/{ours.pk}", **ENGLISH).json()["name"] == "Desktop support"
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    assert api.get(f"/api/v1/services/{ours.pk}", **chinese).json()["name"] == "桌面运维"
    # No Chinese name: the English one stands in.
    assert api.get(f"/api/v1/services/{unsubscribed.pk}", **chinese).json()["name"] == (
        "Cloud operations"
    )


def test_name_on_input_is_the_name_in_the_requests_language(api_as: Any, admin: Any) -> None:
    api = api_as(admin)
    body = api.post(
        "/api/v1/services",
        {"code": "dev", "name": "Software development", "category": "other"},
        **ENGLISH,
    ).json()
    assert (body["name_en"], body["name_zh"]) == ("Software development", "")
    body = api.patch(
        f"/api/v1/services/{body['id']}", {"name": "软件开发"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    assert (body["name_en"], body["name_zh"]) == ("Software development", "软件开发")


# --- scoping ---------------------------------------------------------------------------


def test_a_requester_lists_only_the_services_their_organization_subscribes_to(
    api_as: Any, requester: Any, ours: Service, theirs: Service, unsubscribed: Service
) -> None:
    actions.update_service(ours, actor=None, status="retired")
    page = api_as(requester).get("/api/v1/services").json()
    assert (page["count"], [s["code"] for s in page["items"]]) == (1, ["desktop"])


def test_a_requester_does_not_learn_other_subscribers_or_the_owner_team(
    api_as: Any, requester: Any, ours: Service, customer: Any, other_customer: Any
) -> None:
    actions.update_service(ours, actor=None, organizations=[customer, other_customer])
    body = api_as(requester).get(f"/api/v1/services/{ours.pk}").json()
    assert body["organizations"] == [{"id": customer.pk, "name": "Acme"}]
    assert body["owner_team"] is None


def test_list_filters_do_not_tell_a_requester_about_teams_or_other_subscribers(
    api_as: Any, requester: Any, ours: Service, desk: Any, customer: Any, other_customer: Any
) -> None:
    actions.update_service(ours, actor=None, organizations=[customer, other_customer])
    api = api_as(requester)

    def count(query: str) -> int:
        return int(api.get(f"/api/v1/services?{query}").json()["count"])

    assert count(f"organization={customer.pk}") == 1
    assert count(f"organization={other_customer.pk}") == 0
    assert count(f"owner_team={desk.pk}") == 0


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_organizations_service_is_404_for_a_requester_and_stays_unchanged(
    method: str, api_as: Any, requester: Any, theirs: Service, unsubscribed: Service
) -> None:
    api = api_as(requester)
    entries = AuditEntry.objects.count()
    for service in (theirs, unsubscribed):
        path = f"/api/v1/services/{service.pk}"
        response = api.patch(path, {"name_en": "Hacked"}) if method == "patch" else None
        response = response or getattr(api, method)(path)
        assert response.status_code == 404
        service.refresh_from_db()
        assert service.name_en != "Hacked"
    assert Service.objects.count() == 2
    assert AuditEntry.objects.count() == entries
    assert api.get("/api/v1/services/999999").status_code == 404


def test_a_requester_may_not_change_a_service_they_subscribe_to(
    api_as: Any, requester: Any, ours: Service
) -> None:
    api = api_as(requester)
    entries = AuditEntry.objects.count()
    assert api.patch(f"/api/v1/services/{ours.pk}", {"name_en": "Mine"}).status_code == 403
    assert api.delete(f"/api/v1/services/{ours.pk}").status_code == 403
    assert (
        api.post("/api/v1/services", {"code": "x", "name": "X", "category": "other"}).status_code
        == 403
    )
    ours.refresh_from_db()
    assert ours.name_en == "Desktop support"
    assert (Service.objects.count(), AuditEntry.objects.count()) == (1, entries)


def test_an_agent_reads_the_catalogue_but_may_not_write(
    api_as: Any, agent: Any, ours: Service, theirs: Service, customer: Any
) -> None:
    api = api_as(agent)
    assert api.get("/api/v1/services").json()["count"] == 2
    assert api.get(f"/api/v1/services/{theirs.pk}").status_code == 200
    entries = AuditEntry.objects.count()
    responses = [
        api.post("/api/v1/services", {"code": "new", "name_en": "New", "category": "other"}),
        api.patch(f"/api/v1/services/{ours.pk}", {"status": "retired"}),
        api.delete(f"/api/v1/services/{ours.pk}"),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    ours.refresh_from_db()
    assert ours.status == "live"
    assert (Service.objects.count(), AuditEntry.objects.count()) == (2, entries)


def test_a_quality_manager_changes_services_but_neither_creates_nor_deletes_them(
    api_as: Any, quality_manager: Any, ours: Service
) -> None:
    api = api_as(quality_manager)
    assert api.patch(f"/api/v1/services/{ours.pk}", {"status": "retired"}).status_code == 200
    assert api.delete(f"/api/v1/services/{ours.pk}").status_code == 403
    response = api.post("/api/v1/services", {"code": "x", "name_en": "X", "category": "other"})
    assert response.status_code == 403
    assert [action for action, _changes in _history(ours.pk)] == ["create", "update"]


def test_an_auditor_reads_but_may_not_write(api_as: Any, auditor: Any, ours: Service) -> None:
    api = api_as(auditor)
    assert api.get(f"/api/v1/services/{ours.pk}").status_code == 200
    assert api.patch(f"/api/v1/services/{ours.pk}", {"status": "retired"}).status_code == 403


# --- validation ------------------------------------------------------------------------


BAD_INPUT = [
    ({"category": "astrology"}, "category"),
    ({"owner_team": 999999}, "owner_team"),
    ({"organizations": [999999]}, "organizations"),
    ({"code": "network"}, "code"),
    ({"code": "not a slug!"}, "code"),
    ({"colour": "red"}, "colour"),
    ({"status": "dead"}, "status"),
    ({"name_en": "", "name_zh": ""}, "name_zh"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_a_bad_new_service_is_a_422_naming_the_field_and_writes_nothing(
    change: dict[str, Any], field: str, api_as: Any, admin: Any, theirs: Service
) -> None:
    api = api_as(admin)
    entries = AuditEntry.objects.count()
    payload = {"code": "new-service", "name_en": "New", "category": "other", **change}
    response = api.post("/api/v1/services", payload)
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (Service.objects.count(), AuditEntry.objects.count()) == (1, entries)


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
def test_a_bad_change_is_a_422_naming_the_field_and_changes_nothing(
    change: dict[str, Any], field: str, api_as: Any, admin: Any, ours: Service, theirs: Service
) -> None:
    api = api_as(admin)
    entries = AuditEntry.objects.count()
    response = api.patch(f"/api/v1/services/{ours.pk}", {"description": "x", **change})
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    ours.refresh_from_db()
    assert (ours.code, ours.description) == ("desktop", "PCs and printers.")
    assert AuditEntry.objects.count() == entries


def test_organizations_must_be_a_list_not_null(api_as: Any, admin: Any, ours: Service) -> None:
    response = api_as(admin).patch(f"/api/v1/services/{ours.pk}", {"organizations": None})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "organizations"


def test_a_duplicate_code_names_the_field_with_a_clear_message(
    api_as: Any, admin: Any, ours: Service
) -> None:
    response = api_as(admin).post(
        "/api/v1/services", {"code": "desktop", "name_en": "Again", "category": "other"}, **ENGLISH
    )
    assert response.json()["errors"] == [
        {"field": "code", "message": "Service with this Code already exists."}
    ]


# --- lists -----------------------------------------------------------------------------


def test_the_list_filters_searches_and_orders(
    api_as: Any,
    admin: Any,
    ours: Service,
    theirs: Service,
    unsubscribed: Service,
    desk: Any,
    customer: Any,
) -> None:
    api = api_as(admin)

    def codes(query: str) -> list[str]:
        page = api.get(f"/api/v1/services?{query}").json()
        return [s["code"] for s in page["items"]]

    assert codes("") == ["cloud", "desktop", "network"]
    assert codes("ordering=-code") == ["network", "desktop", "cloud"]
    assert codes("ordering=name_en") == ["cloud", "desktop", "network"]
    assert codes("category=network") == ["network"]
    assert codes("status=pipeline") == ["cloud"]
    assert codes(f"owner_team={desk.pk}") == ["desktop"]
    assert codes(f"organization={customer.pk}") == ["desktop"]
    assert codes("q=网络") == ["network"]
    assert codes("q=DESK") == ["desktop"]
    assert codes("limit=1&offset=1") == ["desktop"]
    assert api.get("/api/v1/services?limit=1&category=network").json()["count"] == 1
    assert api.get("/api/v1/services?limit=1").json()["count"] == 3


def test_bad_list_parameters_are_422_naming_them(api_as: Any, admin: Any) -> None:
    api = api_as(admin)
    for query, field in [
        ("ordering=description", "ordering"),
        ("category=astrology", "category"),
        ("limit=0", "limit"),
    ]:
        response = api.get(f"/api/v1/services?{query}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("who", ["admin", "requester"])
def test_the_list_runs_a_constant_number_of_queries(
    who: str, request: Any, api_as: Any, desk: Any, customer: Any, ours: Service
) -> None:
    api = api_as(request.getfixturevalue(who))

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/services?limit=100").status_code == 200
        return len(ctx.captured_queries)

    count_queries()  # the first use of a token notes it, once a minute
    few = count_queries()
    for i in range(8):
        org = OrganizationFactory()
        team = account_actions.create_team(actor=None, name=f"Team {i}")
        actions.create_service(
            actor=None,
            code=f"service-{i}",
            name_en=f"Service {i}",
            category="other",
            owner_team=team,
            organizations=[customer, org],
        )
    assert count_queries() == few


def test_the_openapi_document_lists_services(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/services", "/api/v1/services/{service_id}"} <= set(paths)
