"""The service desk settings pages (categories with their custom fields, the priority
matrix, canned responses, assignment rules) and the satisfaction report."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TeamFactory
from yunwei.catalog import actions as catalog_actions
from yunwei.core.models import AuditEntry
from yunwei.tickets import actions
from yunwei.tickets.models import (
    AssignmentRule,
    CannedResponse,
    Category,
    PriorityCell,
    Survey,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def admin_client(client: Any, admin: Any) -> Any:
    client.force_login(admin)
    return client


@pytest.fixture
def hardware(admin: Any) -> Category:
    return actions.create_category(
        actor=admin,
        name_zh="硬件",
        name_en="Hardware",
        ticket_types=["incident"],
        fields=[
            {"name": "asset_tag", "label_en": "Asset tag", "type": "text", "required": True},
            {"name": "site", "label_en": "Site", "type": "choice", "choices": ["北京", "上海"]},
        ],
    )


def _rows(*rows: dict[str, Any], prefix: str = "cf", initial: int = 0) -> dict[str, Any]:
    """The POST data of the custom-fields editor."""
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, row in enumerate(rows):
        values = {"type": "text", **row}
        for key, value in values.items():
            if value is False:
                continue
            data[f"{prefix}-{index}-{key}"] = "on" if value is True else value
    return data


def _category_post(**fields: Any) -> dict[str, Any]:
    rows = fields.pop("rows", ())
    data = {"name_zh": "", "name_en": "", "parent": "", "is_active": "on", **fields}
    data.update(_rows(*rows, initial=fields.pop("initial", 0)))
    data.pop("initial", None)
    return data


# --- who may open what -----------------------------------------------------------------------


def test_every_settings_page_opens_for_an_admin(
    admin_client: Any, hardware: Category, desk: Any
) -> None:
    response = actions.create_canned_response(actor=None, title="您好", body="请稍候。")
    rule = actions.create_assignment_rule(actor=None, name="Desk", team=desk)
    pages = [
        "/tickets/settings/",
        "/tickets/settings/categories/",
        "/tickets/settings/categories/new/",
        f"/tickets/settings/categories/{hardware.pk}/edit/",
        "/tickets/settings/priority-matrix/",
        "/tickets/settings/canned-responses/",
        "/tickets/settings/canned-responses/new/",
        f"/tickets/settings/canned-responses/{response.pk}/edit/",
        "/tickets/settings/assignment-rules/",
        "/tickets/settings/assignment-rules/new/",
        f"/tickets/settings/assignment-rules/{rule.pk}/edit/",
        "/tickets/satisfaction/",
        "/tickets/satisfaction/?answered_from=2026-01-01&answered_to=2026-01-31",
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_the_settings_overview_links_every_section(admin_client: Any) -> None:
    html = admin_client.get("/tickets/settings/").content.decode()
    for url in (
        "/tickets/settings/categories/",
        "/tickets/settings/priority-matrix/",
        "/tickets/settings/canned-responses/",
        "/tickets/settings/assignment-rules/",
        "/tickets/satisfaction/",
    ):
        assert f'href="{url}"' in html, url


SETTINGS_PAGES = [
    "/tickets/settings/",
    "/tickets/settings/categories/",
    "/tickets/settings/categories/new/",
    "/tickets/settings/priority-matrix/",
    "/tickets/settings/assignment-rules/",
    "/tickets/settings/assignment-rules/new/",
]


@pytest.mark.parametrize("who", ["requester", "agent", "team_lead", "auditor"])
def test_only_admins_open_the_settings(
    request: pytest.FixtureRequest, client: Any, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    for page in SETTINGS_PAGES:
        assert client.get(page).status_code == 403, page


def test_a_team_lead_manages_canned_responses_but_an_agent_or_requester_does_not(
    client: Any, team_lead: Any, agent: Any, requester: Any
) -> None:
    client.force_login(team_lead)
    assert client.get("/tickets/settings/canned-responses/").status_code == 200
    assert client.get("/tickets/settings/canned-responses/new/").status_code == 200
    for user in (agent, requester):
        client.force_login(user)
        assert client.get("/tickets/settings/canned-responses/").status_code == 403
        assert client.get("/tickets/settings/canned-responses/new/").status_code == 403


def test_posting_without_permission_is_refused_and_changes_nothing(
    client: Any, agent: Any, requester: Any, hardware: Category, desk: Any
) -> None:
    response = actions.create_canned_response(actor=None, title="Hello", body="Hi.")
    rule = actions.create_assignment_rule(actor=None, name="Desk", team=desk)
    changes = AuditEntry.objects.filter(object_type__startswith="tickets.")
    before = changes.count()
    posts = [
        ("/tickets/settings/categories/new/", _category_post(name_en="Network")),
        (f"/tickets/settings/categories/{hardware.pk}/edit/", _category_post(name_en="X")),
        (f"/tickets/settings/categories/{hardware.pk}/delete/", {}),
        ("/tickets/settings/priority-matrix/", {"high_high": "general"}),
        ("/tickets/settings/canned-responses/new/", {"title": "New", "body": "New."}),
        (f"/tickets/settings/canned-responses/{response.pk}/delete/", {}),
        ("/tickets/settings/assignment-rules/new/", {"name": "X", "team": desk.pk}),
        (f"/tickets/settings/assignment-rules/{rule.pk}/delete/", {}),
    ]
    for user in (agent, requester):
        client.force_login(user)
        for url, data in posts:
            assert client.post(url, data).status_code == 403, url
    assert changes.count() == before
    assert Category.objects.count() == 1
    assert CannedResponse.objects.count() == 1
    assert AssignmentRule.objects.count() == 1
    assert not PriorityCell.objects.exists()


def test_a_team_lead_may_not_delete_a_canned_response(client: Any, team_lead: Any) -> None:
    response = actions.create_canned_response(actor=None, title="Hello", body="Hi.")
    client.force_login(team_lead)
    page = client.get("/tickets/settings/canned-responses/").content.decode()
    assert f"/tickets/settings/canned-responses/{response.pk}/delete/" not in page
    url = f"/tickets/settings/canned-responses/{response.pk}/delete/"
    assert client.post(url).status_code == 403
    assert CannedResponse.objects.filter(pk=response.pk).exists()


def test_changing_state_needs_a_post(admin_client: Any, hardware: Category) -> None:
    assert (
        admin_client.get(f"/tickets/settings/categories/{hardware.pk}/delete/").status_code == 405
    )
    assert Category.objects.filter(pk=hardware.pk).exists()


def test_the_menu_offers_satisfaction_and_settings_to_whom_they_are_for(
    client: Any, admin: Any, agent: Any, requester: Any
) -> None:
    client.force_login(admin)
    html = client.get("/").content.decode()
    assert 'href="/tickets/satisfaction/"' in html
    assert 'href="/tickets/settings/"' in html
    client.force_login(agent)
    html = client.get("/").content.decode()
    assert 'href="/tickets/satisfaction/"' in html
    assert 'href="/tickets/settings/"' not in html
    client.force_login(requester)
    html = client.get("/").content.decode()
    assert 'href="/tickets/satisfaction/"' not in html
    assert 'href="/tickets/settings/"' not in html
    assert client.get("/tickets/satisfaction/").status_code == 403


# --- categories --------------------------------------------------------------------------------


def test_the_category_list_is_a_tree(admin_client: Any, admin: Any, hardware: Category) -> None:
    printers = actions.create_category(actor=admin, name_en="Printers", parent=hardware)
    actions.create_category(actor=admin, name_en="Laser", parent=printers)
    actions.create_category(actor=admin, name_en="Access")
    response = admin_client.get("/tickets/settings/categories/")
    rows = [(c.display_name, c.depth) for c in response.context["table"].data]
    assert rows == [("Access", 0), ("Hardware", 0), ("Printers", 1), ("Laser", 2)]
    html = response.content.decode()
    assert f'href="/tickets/settings/categories/{printers.pk}/edit/"' in html
    assert "asset_tag *" in html  # the custom fields, required ones starred


def test_a_category_is_created_with_custom_fields_from_the_rows(
    admin_client: Any, hardware: Category
) -> None:
    response = admin_client.post(
        "/tickets/settings/categories/new/",
        _category_post(
            name_zh="打印机",
            name_en="Printers",
            parent=str(hardware.pk),
            ticket_types=["request", "incident"],
            rows=[
                {"name": "model", "label_zh": "型号", "label_en": "Model", "required": True},
                {
                    "name": "colour",
                    "label_en": "Colour",
                    "type": "choice",
                    "choices": "黑白，彩色, 黑白",
                },
                {},  # an empty row declares nothing
                {"name": "gone", "label_en": "Removed", "DELETE": True},
                {"name": "pages", "label_en": "Pages", "type": "number", "choices": "ignored"},
            ],
        ),
    )
    category = Category.objects.get(name_en="Printers")
    assert response.status_code == 302
    assert response["Location"] == "/tickets/settings/categories/"
    assert category.parent == hardware
    assert category.name_zh == "打印机"
    assert category.ticket_types == ["incident", "request"]
    assert category.fields == [
        {
            "name": "model",
            "label_zh": "型号",
            "label_en": "Model",
            "type": "text",
            "required": True,
        },
        {
            "name": "colour",
            "label_zh": "",
            "label_en": "Colour",
            "type": "choice",
            "required": False,
            "choices": ["黑白", "彩色"],
        },
        {"name": "pages", "label_zh": "", "label_en": "Pages", "type": "number", "required": False},
    ]
    entry = AuditEntry.objects.for_object(category).get()
    assert (entry.action, entry.source) == ("create", "web")


def test_bad_custom_field_rows_show_their_errors_on_the_row_and_nothing_is_saved(
    admin_client: Any,
) -> None:
    before = AuditEntry.objects.count()
    response = admin_client.post(
        "/tickets/settings/categories/new/",
        _category_post(
            name_en="Printers",
            rows=[
                {"name": "model", "label_en": "Model"},
                {"name": "Asset Tag", "label_en": "Asset tag"},
                {"name": "colour", "label_en": "Colour", "type": "choice", "choices": " , "},
            ],
        ),
    )
    assert response.status_code == 200
    rows = response.context["form"].custom_fields.forms
    assert rows[0].errors == {}
    assert rows[1].errors == {"name": ["the name must be lowercase letters, digits and _."]}
    assert rows[2].errors == {"choices": ["a choice field needs a list of choices."]}
    html = response.content.decode()
    assert 'data-testid="custom-field-2-errors"' in html
    assert "the name must be lowercase letters, digits and _." in html
    assert 'name="cf-1-name" value="Asset Tag"' in html  # what was typed is kept
    assert "is-invalid" in html
    assert not Category.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_name_used_twice_is_shown_on_the_second_row(admin_client: Any) -> None:
    response = admin_client.post(
        "/tickets/settings/categories/new/",
        _category_post(
            name_en="Printers",
            rows=[{"name": "tag"}, {}, {"name": "tag", "type": "number"}],
        ),
    )
    assert response.status_code == 200
    rows = response.context["form"].custom_fields.forms
    assert [row.errors for row in rows] == [{}, {}, {"name": ["the name tag is used twice."]}]
    assert not Category.objects.exists()


def test_a_category_needs_a_name_and_cannot_sit_under_its_own_subcategory(
    admin_client: Any, admin: Any, hardware: Category
) -> None:
    response = admin_client.post("/tickets/settings/categories/new/", _category_post())
    assert response.context["form"].errors == {
        "name_zh": ["Give a name in Chinese, in English or both."]
    }
    printers = actions.create_category(actor=admin, name_en="Printers", parent=hardware)
    response = admin_client.post(
        f"/tickets/settings/categories/{hardware.pk}/edit/",
        _category_post(name_en="Hardware", parent=str(printers.pk)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"parent": ["A category cannot sit under itself."]}
    assert "A category cannot sit under itself." in response.content.decode()
    hardware.refresh_from_db()
    assert hardware.parent is None


def test_editing_a_category_shows_its_fields_and_can_remove_one(
    admin_client: Any, hardware: Category
) -> None:
    url = f"/tickets/settings/categories/{hardware.pk}/edit/"
    page = admin_client.get(url)
    rows = page.context["form"].custom_fields
    assert [form.initial for form in rows.initial_forms] == [
        {
            "name": "asset_tag",
            "label_zh": "",
            "label_en": "Asset tag",
            "type": "text",
            "required": True,
            "choices": "",
        },
        {
            "name": "site",
            "label_zh": "",
            "label_en": "Site",
            "type": "choice",
            "required": False,
            "choices": "北京, 上海",
        },
    ]
    assert len(rows.forms) == 3  # and one empty row
    response = admin_client.post(
        url,
        _category_post(
            name_zh="硬件",
            name_en="Hardware",
            ticket_types=["incident"],
            initial=2,
            rows=[
                {"name": "asset_tag", "label_en": "Asset tag", "required": True, "DELETE": True},
                {
                    "name": "site",
                    "label_en": "Site",
                    "type": "choice",
                    "choices": "北京, 上海, 广州",
                },
                {},
            ],
        ),
    )
    assert response.status_code == 302
    hardware.refresh_from_db()
    assert hardware.fields == [
        {
            "name": "site",
            "label_zh": "",
            "label_en": "Site",
            "type": "choice",
            "required": False,
            "choices": ["北京", "上海", "广州"],
        }
    ]
    entry = AuditEntry.objects.for_object(hardware).latest("id")
    assert entry.action == "update"
    assert set(entry.changes) == {"fields"}


def test_add_a_field_returns_one_more_row_and_saves_nothing(admin_client: Any) -> None:
    data = _category_post(name_en="Printers", rows=[{"name": "Model X"}])
    data["add_field"] = "1"
    response = admin_client.post("/tickets/settings/categories/new/", data)
    assert response.status_code == 200
    assert len(response.context["form"].custom_fields.forms) == 2
    html = response.content.decode()
    assert 'name="cf-1-name"' in html
    assert 'value="Model X"' in html
    assert "the name must be" not in html  # no errors while the form is being filled in
    fragment = admin_client.post(
        "/tickets/settings/categories/new/", data, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<div class="card" id="custom-fields"')
    assert "<html" not in fragment
    assert not Category.objects.exists()


def test_deleting_a_category_in_use_says_why_it_was_not(
    admin_client: Any, requester: Any, service: Any, hardware: Category
) -> None:
    actions.create_ticket(
        actor=requester,
        title="屏幕闪烁",
        service=service,
        category=hardware,
        custom_fields={"asset_tag": "A-1"},
    )
    response = admin_client.post(f"/tickets/settings/categories/{hardware.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/tickets/settings/categories/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Hardware was not deleted: This is still in use; mark it inactive instead."
    ]
    assert Category.objects.filter(pk=hardware.pk).exists()


def test_an_unused_category_is_deleted(admin_client: Any, hardware: Category) -> None:
    response = admin_client.post(f"/tickets/settings/categories/{hardware.pk}/delete/", follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Deleted Hardware."]
    assert not Category.objects.exists()
    assert AuditEntry.objects.filter(object_type="tickets.category", action="delete").count() == 1


# --- the priority matrix --------------------------------------------------------------------------


def _matrix_post(**cells: str) -> dict[str, str]:
    from yunwei.tickets.priority import DEFAULT_MATRIX

    data = {f"{i}_{u}": priority for (i, u), priority in DEFAULT_MATRIX.items()}
    data.update(cells)
    return data


def test_the_matrix_page_shows_the_current_priorities(admin_client: Any, admin: Any) -> None:
    actions.set_priority_matrix(actor=admin, cells={("low", "high"): "important"})
    response = admin_client.get("/tickets/settings/priority-matrix/")
    form = response.context["form"]
    assert [[cell["field"].value() for cell in row["cells"]] for row in form.rows] == [
        ["urgent", "important", "general"],
        ["important", "general", "unimportant"],
        ["important", "unimportant", "unimportant"],
    ]
    assert [str(row["impact"]) for row in form.rows] == ["High", "Medium", "Low"]
    assert form.columns == ["High", "Medium", "Low"]


def test_saving_the_matrix_changes_new_tickets_priority(
    admin_client: Any, requester: Any, service: Any, sla: Any
) -> None:
    response = admin_client.post(
        "/tickets/settings/priority-matrix/", _matrix_post(high_high="important")
    )
    assert response.status_code == 302
    assert response["Location"] == "/tickets/settings/priority-matrix/"
    ticket = actions.create_ticket(
        actor=requester, title="服务器宕机", service=service, impact="high", urgency="high"
    )
    assert ticket.priority == "important"
    entry = AuditEntry.objects.get(object_type="tickets.prioritycell")
    assert (entry.source, entry.changes) == ("web", {"high/high": ["urgent", "important"]})


def test_saving_the_matrix_from_the_page_returns_the_grid(admin_client: Any) -> None:
    response = admin_client.post(
        "/tickets/settings/priority-matrix/",
        _matrix_post(medium_medium="important"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "priorityMatrixSaved"
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert "The priority matrix is saved." in html
    assert PriorityCell.objects.get(impact="medium", urgency="medium").priority == "important"


def test_an_unknown_priority_is_a_field_error(admin_client: Any) -> None:
    response = admin_client.post(
        "/tickets/settings/priority-matrix/", _matrix_post(low_low="whenever")
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["low_low"]
    assert not PriorityCell.objects.exists()


# --- canned responses ----------------------------------------------------------------------------


def test_canned_responses_are_created_edited_and_deleted_from_their_pages(
    admin_client: Any, desk: Any
) -> None:
    response = admin_client.post(
        "/tickets/settings/canned-responses/new/",
        {"title": "重启", "body": "请重启电脑后再试。", "team": desk.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == "/tickets/settings/canned-responses/"
    canned = CannedResponse.objects.get()
    assert (canned.title, canned.body, canned.team) == ("重启", "请重启电脑后再试。", desk)
    response = admin_client.post(
        f"/tickets/settings/canned-responses/{canned.pk}/edit/",
        {"title": "重启", "body": "请重启。", "team": ""},
    )
    assert response.status_code == 302
    canned.refresh_from_db()
    assert (canned.body, canned.team) == ("请重启。", None)
    listing = admin_client.get("/tickets/settings/canned-responses/").content.decode()
    assert "All agents (shared)" in listing
    admin_client.post(f"/tickets/settings/canned-responses/{canned.pk}/delete/")
    assert not CannedResponse.objects.exists()
    assert [
        e.action
        for e in AuditEntry.objects.filter(object_type="tickets.cannedresponse").order_by("id")
    ] == ["create", "update", "delete"]


def test_a_canned_response_needs_a_title_and_a_text(admin_client: Any) -> None:
    response = admin_client.post("/tickets/settings/canned-responses/new/", {"title": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "body"}
    assert not CannedResponse.objects.exists()


def test_a_team_lead_writes_a_canned_response_for_the_team(
    client: Any, team_lead: Any, desk: Any
) -> None:
    client.force_login(team_lead)
    response = client.post(
        "/tickets/settings/canned-responses/new/",
        {"title": "Reboot", "body": "Please restart.", "team": desk.pk},
    )
    assert response.status_code == 302
    assert CannedResponse.objects.get().team == desk


def test_a_team_lead_manages_the_shared_and_their_teams_responses_an_admin_all(
    client: Any, team_lead: Any, admin: Any, desk: Any
) -> None:
    shared = actions.create_canned_response(actor=None, title="Shared", body="…")
    ours = actions.create_canned_response(actor=None, title="Ours", body="…", team=desk)
    theirs = actions.create_canned_response(
        actor=None, title="Theirs", body="…", team=TeamFactory(name="Network")
    )
    client.force_login(team_lead)
    listing = client.get("/tickets/settings/canned-responses/")
    assert [r.title for r in listing.context["table"].data] == ["Ours", "Shared"]
    assert client.get(f"/tickets/settings/canned-responses/{ours.pk}/edit/").status_code == 200
    assert client.get(f"/tickets/settings/canned-responses/{shared.pk}/edit/").status_code == 200
    url = f"/tickets/settings/canned-responses/{theirs.pk}/edit/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "Mine now", "body": "…"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"
    client.force_login(admin)  # no member of any team
    listing = client.get("/tickets/settings/canned-responses/")
    assert [r.title for r in listing.context["table"].data] == ["Ours", "Shared", "Theirs"]


# --- assignment rules -----------------------------------------------------------------------------


def test_assignment_rules_are_listed_in_order_and_created_from_the_form(
    admin_client: Any, admin: Any, desk: Any, service: Any, customer: Any, hardware: Category
) -> None:
    actions.create_assignment_rule(actor=admin, name="Last", order=200, team=desk)
    response = admin_client.post(
        "/tickets/settings/assignment-rules/new/",
        {
            "name": "Desktop hardware",
            "order": "10",
            "service": service.pk,
            "category": hardware.pk,
            "organization": customer.pk,
            "ticket_type": "incident",
            "team": desk.pk,
            "method": "round_robin",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/tickets/settings/assignment-rules/"
    rule = AssignmentRule.objects.get(name="Desktop hardware")
    assert (rule.order, rule.service, rule.category, rule.organization) == (
        10,
        service,
        hardware,
        customer,
    )
    assert (rule.ticket_type, rule.team, rule.method, rule.is_active) == (
        "incident",
        desk,
        "round_robin",
        True,
    )
    listing = admin_client.get("/tickets/settings/assignment-rules/")
    assert [r.name for r in listing.context["table"].data] == ["Desktop hardware", "Last"]
    assert "Service: Desktop support" in listing.content.decode()


def test_a_rule_without_a_team_shows_the_field_error(admin_client: Any) -> None:
    response = admin_client.post(
        "/tickets/settings/assignment-rules/new/",
        {"name": "Nowhere", "order": "1", "method": "team_only"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["team"]
    assert not AssignmentRule.objects.exists()


def test_a_rule_is_edited_and_deleted(admin_client: Any, admin: Any, desk: Any) -> None:
    rule = actions.create_assignment_rule(actor=admin, name="Desk", team=desk)
    response = admin_client.post(
        f"/tickets/settings/assignment-rules/{rule.pk}/edit/",
        {"name": "Desk", "order": "5", "team": desk.pk, "method": "least_loaded"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.order, rule.method, rule.is_active) == (5, "least_loaded", False)
    admin_client.post(f"/tickets/settings/assignment-rules/{rule.pk}/delete/")
    assert not AssignmentRule.objects.exists()
    assert (
        admin_client.post(f"/tickets/settings/assignment-rules/{rule.pk}/delete/").status_code
        == 404
    )


def test_settings_lists_use_a_constant_number_of_queries(
    admin_client: Any, admin: Any, desk: Any, service: Any, customer: Any
) -> None:
    pages = (
        "/tickets/settings/",
        "/tickets/settings/categories/",
        "/tickets/settings/canned-responses/",
        "/tickets/settings/assignment-rules/",
    )

    def add(n: int) -> None:
        parent = actions.create_category(actor=admin, name_en=f"Parent {n}")
        category = actions.create_category(actor=admin, name_en=f"Child {n}", parent=parent)
        team = TeamFactory(name=f"Team {n}")
        actions.create_canned_response(actor=admin, title=f"Reply {n}", body="…", team=team)
        actions.create_assignment_rule(
            actor=admin,
            name=f"Rule {n}",
            team=team,
            service=service,
            category=category,
            organization=customer,
        )

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(path).status_code == 200
        return len(queries)

    add(1)
    before = {path: count(path) for path in pages}
    for n in range(2, 6):
        add(n)
    assert {path: count(path) for path in pages} == before


# --- the satisfaction report --------------------------------------------------------------------


def _resolve(ticket: Any, agent: Any | None) -> None:
    actions.transition_ticket(
        ticket, actor=agent, to="resolved", resolution="solved", note="已处理"
    )


@pytest.fixture
def mail(customer: Any) -> Any:
    return catalog_actions.create_service(
        actor=None, code="mail", name_en="Mail", category="operations", organizations=[customer]
    )


@pytest.fixture
def surveys(
    requester: Any, agent: Any, team_lead: Any, desk: Any, service: Any, mail: Any, sla: Any
) -> list[Any]:
    """Five resolved tickets; four answered 5, 4, 3 and 1, one not answered.

    ticket   service   agent       team   score  comment
    1        desktop   agent       desk   5      很快解决了，谢谢
    2        desktop   team lead   desk   4
    3        mail      agent       desk   3      还行
    4        mail      —           —      1      没人理我   (resolved by the system)
    5        desktop   agent       desk   —
    """
    plan = [
        (service, agent, 5, "很快解决了，谢谢"),
        (service, team_lead, 4, ""),
        (mail, agent, 3, "还行"),
        (mail, None, 1, "没人理我"),
        (service, agent, None, ""),
    ]
    tickets = []
    for number, (on, assignee, score, comment) in enumerate(plan, start=1):
        ticket = actions.create_ticket(actor=requester, title=f"工单 {number}", service=on)
        if assignee is not None:
            actions.transition_ticket(ticket, actor=agent, to="assigned", assignee=assignee)
        _resolve(ticket, agent if assignee else None)
        if score is not None:
            actions.answer_survey(ticket, actor=requester, score=score, comment=comment)
        tickets.append(ticket)
    return tickets


def test_the_satisfaction_report_numbers_are_exact(
    admin_client: Any, surveys: list[Any], agent: Any, team_lead: Any, desk: Any
) -> None:
    response = admin_client.get("/tickets/satisfaction/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary == {
        "asked": 5,
        "responded": 4,
        "answered": 4,
        "average": 3.25,
        "response_rate": 80.0,
        "satisfied_percent": 50.0,
        "distribution": [
            {"score": 1, "count": 1},
            {"score": 2, "count": 0},
            {"score": 3, "count": 1},
            {"score": 4, "count": 1},
            {"score": 5, "count": 1},
        ],
    }
    assert response.context["chart"]["counts"] == [1, 0, 1, 1, 1]

    def rows(name: str) -> list[tuple[Any, ...]]:
        return [
            (row["ident"], row["label"], row["count"], row["average"], row["satisfied_percent"])
            for row in response.context[name]
        ]

    assert rows("by_agent") == [
        (agent.pk, agent.name, 2, 4.0, 50.0),
        (team_lead.pk, team_lead.name, 1, 4.0, 100.0),
        (None, None, 1, 1.0, 0.0),
    ]
    assert rows("by_team") == [
        (desk.pk, "Service desk", 3, 4.0, 200 / 3),
        (None, None, 1, 1.0, 0.0),
    ]
    desktop, mail = surveys[0].service, surveys[2].service
    assert rows("by_service") == [
        (desktop.pk, "Desktop support", 2, 4.5, 100.0),
        (mail.pk, "Mail", 2, 2.0, 0.0),
    ]
    comments = response.context["comments"]
    assert [(s.ticket.reference, s.score, s.comment) for s in comments] == [
        (surveys[3].reference, 1, "没人理我"),
        (surveys[2].reference, 3, "还行"),
        (surveys[0].reference, 5, "很快解决了，谢谢"),
    ]
    html = " ".join(response.content.decode().split())
    assert "3.25" in html
    assert "80.0 %" in html
    assert "66.7 %" in html
    assert f'<a href="/tickets/{surveys[3].pk}/">{surveys[3].reference}</a>' in html
    assert '<script id="satisfaction-chart-data" type="application/json">' in html
    assert "/static/vendor/echarts/echarts.min.js" in html


def test_the_report_shows_only_what_was_answered_in_the_period(
    admin_client: Any, requester: Any, agent: Any, desk: Any, service: Any, sla: Any
) -> None:
    def answered_on(day: dt.datetime, score: int) -> None:
        with time_machine.travel(day, tick=False):
            ticket = actions.create_ticket(actor=requester, title="工单", service=service)
            actions.transition_ticket(ticket, actor=agent, to="assigned", assignee=agent)
            _resolve(ticket, agent)
            actions.answer_survey(ticket, actor=requester, score=score, comment=f"score {score}")

    answered_on(dt.datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI), 1)  # the day before
    answered_on(dt.datetime(2026, 4, 1, 0, 10, tzinfo=SHANGHAI), 5)
    answered_on(dt.datetime(2026, 4, 30, 23, 50, tzinfo=SHANGHAI), 4)
    answered_on(dt.datetime(2026, 5, 1, 0, 5, tzinfo=SHANGHAI), 2)  # the day after
    with time_machine.travel(dt.datetime(2026, 4, 15, 12, tzinfo=SHANGHAI), tick=False):
        unanswered = actions.create_ticket(actor=requester, title="未评价", service=service)
        _resolve(unanswered, agent)

    response = admin_client.get(
        "/tickets/satisfaction/", {"answered_from": "2026-04-01", "answered_to": "2026-04-30"}
    )
    summary = response.context["summary"]
    assert (summary["answered"], summary["average"], summary["satisfied_percent"]) == (
        2,
        4.5,
        100.0,
    )
    assert (summary["asked"], summary["responded"], summary["response_rate"]) == (3, 2, 200 / 3)
    assert [c.comment for c in response.context["comments"]] == ["score 4", "score 5"]
    assert [row["count"] for row in response.context["by_agent"]] == [2]
    everything = admin_client.get("/tickets/satisfaction/").context["summary"]
    assert (everything["answered"], everything["asked"]) == (4, 5)


def test_a_period_ending_before_it_starts_is_a_field_error(admin_client: Any) -> None:
    response = admin_client.get(
        "/tickets/satisfaction/", {"answered_from": "2026-04-30", "answered_to": "2026-04-01"}
    )
    assert response.status_code == 200
    assert response.context["filter_form"].errors == {
        "answered_to": ["The end comes before the start."]
    }
    assert "The end comes before the start." in response.content.decode()


def test_the_report_of_nothing_answered_shows_dashes(admin_client: Any) -> None:
    response = admin_client.get("/tickets/satisfaction/")
    summary = response.context["summary"]
    assert (summary["asked"], summary["average"], summary["response_rate"]) == (0, None, None)
    assert response.context["by_agent"] == []
    assert "No answers in this period." in response.content.decode()


def test_the_report_uses_a_constant_number_of_queries(
    admin_client: Any, surveys: list[Any], requester: Any, agent: Any, service: Any
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/tickets/satisfaction/").status_code == 200
        return len(queries)

    before = count()
    for number in range(6):
        ticket = actions.create_ticket(actor=requester, title=f"更多 {number}", service=service)
        actions.transition_ticket(ticket, actor=agent, to="assigned", assignee=agent)
        _resolve(ticket, agent)
        actions.answer_survey(ticket, actor=requester, score=1 + number % 5, comment="再来")
    assert Survey.objects.filter(score__isnull=False).count() == 10
    assert count() == before


def test_agents_and_auditors_read_the_report_but_requesters_do_not(
    client: Any, agent: Any, auditor: Any, requester: Any, surveys: list[Any]
) -> None:
    for user in (agent, auditor):
        client.force_login(user)
        assert client.get("/tickets/satisfaction/").status_code == 200
    client.force_login(requester)
    assert client.get("/tickets/satisfaction/").status_code == 403


def test_the_report_is_in_chinese_for_chinese_users(
    client: Any, admin: Any, surveys: list[Any]
) -> None:
    admin.language = "zh-hans"
    admin.save(update_fields=["language"])
    client.force_login(admin)
    response = client.get("/tickets/satisfaction/")
    assert response.status_code == 200
    labels = {row["ident"]: row["label"] for row in response.context["by_service"]}
    assert labels == {surveys[0].service_id: "桌面运维", surveys[2].service_id: "Mail"}
