"""Categories offered for some services only (`Category.services`; none: every service):
set through the actions, the settings page and the /ticket-categories API, audited,
validated, and scoped for customers' users."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from tests.sla.conftest import service
from yunwei.catalog import actions as catalog_actions
from yunwei.core.models import AuditEntry
from yunwei.tickets import actions
from yunwei.tickets.models import Category

__all__ = ["service"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail(customer: Any) -> Any:
    return catalog_actions.create_service(
        actor=None, code="mail", name_en="Mail", category="operations", organizations=[customer]
    )


@pytest.fixture
def erp(other_customer: Any) -> Any:
    """Another organization's service."""
    return catalog_actions.create_service(
        actor=None, code="erp", name_en="ERP", category="operations", organizations=[other_customer]
    )


@pytest.fixture
def printers(admin: Any, service: Any) -> Category:
    return actions.create_category(actor=admin, name_en="Printers", services=[service])


def _changes(category: Category) -> list[tuple[str, dict[str, Any]]]:
    return [
        (entry.action, entry.changes)
        for entry in AuditEntry.objects.for_object(category).order_by("created_at", "id")
    ]


# --- the actions -------------------------------------------------------------------------


def test_a_category_is_created_for_some_services_and_audited(
    printers: Category, service: Any, mail: Any
) -> None:
    assert list(printers.services.all()) == [service]
    [(action, changes)] = _changes(printers)
    assert (action, changes["services"]) == ("create", [None, [service.pk]])
    assert printers.is_offered_for(service)
    assert not printers.is_offered_for(mail)
    assert not printers.is_offered_for(None)


def test_a_category_without_services_is_offered_for_every_service(
    admin: Any, service: Any, mail: Any
) -> None:
    anything = actions.create_category(actor=admin, name_en="Other")
    assert anything.is_offered_for(service)
    assert anything.is_offered_for(mail)
    assert anything.is_offered_for(None)
    offered = Category.objects.filter(Category.offered_for([mail.pk]))
    assert list(offered) == [anything]


def test_changing_the_services_records_them_before_and_after(
    admin: Any, printers: Category, service: Any, mail: Any
) -> None:
    actions.update_category(printers, actor=admin, services=[mail, service])
    assert _changes(printers)[-1] == ("update", {"services": [[service.pk], [service.pk, mail.pk]]})
    before = AuditEntry.objects.count()
    actions.update_category(printers, actor=admin, services=[service, mail])
    assert AuditEntry.objects.count() == before  # the same set: no change, no entry
    actions.update_category(printers, actor=admin, services=[])
    assert _changes(printers)[-1] == ("update", {"services": [[service.pk, mail.pk], []]})
    assert printers.is_offered_for(mail)


@pytest.mark.parametrize("services", [None, "desktop", [1], ["desktop"]])
def test_services_must_be_a_list_of_services(
    admin: Any, printers: Category, service: Any, services: Any
) -> None:
    with pytest.raises(ValidationError) as error:
        actions.update_category(printers, actor=admin, services=services)
    assert list(error.value.message_dict) == ["services"]
    assert list(printers.services.all()) == [service]


def test_a_failed_update_changes_no_service(
    admin: Any, printers: Category, service: Any, mail: Any
) -> None:
    with pytest.raises(ValidationError):
        actions.update_category(printers, actor=admin, services=[mail], ticket_types=["change"])
    assert list(printers.services.all()) == [service]


# --- the settings page -------------------------------------------------------------------


def _post(**fields: Any) -> dict[str, Any]:
    data = {"name_zh": "", "name_en": "", "parent": "", "is_active": "on", **fields}
    data.update(
        {"cf-TOTAL_FORMS": "0", "cf-INITIAL_FORMS": "0", "cf-MIN_NUM_FORMS": "0"}
        | {"cf-MAX_NUM_FORMS": "50"}
    )
    return data


def test_the_category_page_chooses_the_services(
    client: Any, admin: Any, service: Any, mail: Any
) -> None:
    client.force_login(admin)
    page = client.get("/tickets/settings/categories/new/").content.decode()
    assert 'name="services"' in page
    assert "Desktop support" in page
    response = client.post(
        "/tickets/settings/categories/new/",
        _post(name_en="Mailboxes", services=[str(mail.pk)]),
    )
    assert response.status_code == 302
    category = Category.objects.get(name_en="Mailboxes")
    assert list(category.services.all()) == [mail]
    assert _changes(category)[0][1]["services"] == [None, [mail.pk]]
    edit = client.get(f"/tickets/settings/categories/{category.pk}/edit/").content.decode()
    assert f'<option value="{mail.pk}" selected>' in edit
    client.post(f"/tickets/settings/categories/{category.pk}/edit/", _post(name_en="Mailboxes"))
    assert not category.services.exists()
    assert _changes(category)[-1][1] == {"services": [[mail.pk], []]}


def test_an_unknown_service_is_named_on_the_page_and_nothing_saved(client: Any, admin: Any) -> None:
    client.force_login(admin)
    response = client.post(
        "/tickets/settings/categories/new/", _post(name_en="Mailboxes", services=["999"])
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["services"]
    assert not Category.objects.exists()


# --- the API -----------------------------------------------------------------------------


def test_the_api_creates_reads_and_changes_a_categorys_services(
    api_as: Any, admin: Any, service: Any, mail: Any
) -> None:
    api = api_as(admin)
    response = api.post(
        "/api/v1/ticket-categories",
        {"name_en": "Mailboxes", "ticket_types": ["incident"], "services": [mail.pk]},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["services"]) == ("Mailboxes", [mail.pk])
    category = Category.objects.get(pk=created["id"])
    assert _changes(category)[0][1]["services"] == [None, [mail.pk]]

    response = api.patch(
        f"/api/v1/ticket-categories/{category.pk}", {"services": [service.pk, mail.pk]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["services"] == sorted([service.pk, mail.pk])
    assert _changes(category)[-1] == (
        "update",
        {"services": [[mail.pk], sorted([service.pk, mail.pk])]},
    )
    assert api.get(f"/api/v1/ticket-categories/{category.pk}").json()["services"] == sorted(
        [service.pk, mail.pk]
    )


@pytest.mark.parametrize("payload", [{"services": None}, {"services": [999]}, {"services": "mail"}])
def test_bad_services_are_a_422_naming_the_field_and_change_nothing(
    api_as: Any, admin: Any, printers: Category, service: Any, payload: dict[str, Any]
) -> None:
    api = api_as(admin)
    entries = AuditEntry.objects.count()
    response = api.patch(f"/api/v1/ticket-categories/{printers.pk}", payload)
    assert response.status_code == 422, response.content
    assert [error["field"] for error in response.json()["errors"]] == ["services"]
    assert list(printers.services.all()) == [service]
    assert AuditEntry.objects.count() == entries


def test_an_unknown_service_refuses_the_whole_new_category(api_as: Any, admin: Any) -> None:
    response = api_as(admin).post(
        "/api/v1/ticket-categories", {"name_en": "Mailboxes", "services": [999]}
    )
    assert response.status_code == 422
    assert "999" in response.json()["errors"][0]["message"]
    assert not Category.objects.exists()


def test_the_list_filters_by_service(
    api_as: Any, admin: Any, printers: Category, service: Any, mail: Any
) -> None:
    anything = actions.create_category(actor=admin, name_en="Other")
    api = api_as(admin)
    names = [c["name"] for c in api.get("/api/v1/ticket-categories").json()]
    assert sorted(names) == ["Other", "Printers"]
    for_mail = api.get("/api/v1/ticket-categories", {"service": mail.pk}).json()
    assert [c["id"] for c in for_mail] == [anything.pk]
    for_desktop = api.get("/api/v1/ticket-categories", {"service": service.pk}).json()
    assert sorted(c["id"] for c in for_desktop) == sorted([anything.pk, printers.pk])


def test_only_admins_write_categories(
    api_as: Any, requester: Any, agent: Any, printers: Category
) -> None:
    for user in (requester, agent):
        api = api_as(user)
        assert api.post("/api/v1/ticket-categories", {"name_en": "Mine"}).status_code == 403
        response = api.patch(f"/api/v1/ticket-categories/{printers.pk}", {"services": []})
        assert response.status_code == 403
    assert printers.services.exists()


def test_a_customer_sees_only_their_own_services_on_a_category(
    api_as: Any, admin: Any, requester: Any, service: Any, erp: Any
) -> None:
    shared = actions.create_category(actor=admin, name_en="Shared", services=[service, erp])
    theirs = actions.create_category(actor=admin, name_en="ERP only", services=[erp])
    api = api_as(requester)
    listed = {c["name"]: c["services"] for c in api.get("/api/v1/ticket-categories").json()}
    assert listed == {"Shared": [service.pk]}
    assert api.get(f"/api/v1/ticket-categories/{theirs.pk}").status_code == 404
    assert api.get(f"/api/v1/ticket-categories/{shared.pk}").json()["services"] == [service.pk]
    # Asking for another organization's service tells nothing about its categories:
    # the answer is the categories offered for every service (none here).
    assert api.get("/api/v1/ticket-categories", {"service": erp.pk}).json() == []
