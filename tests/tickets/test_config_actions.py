"""The service desk's configuration actions: categories and their custom fields, the
priority matrix, canned responses and assignment rules — what they store, what they
refuse, the audit entry each change leaves, and who may make it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import TeamFactory
from yunwei.catalog import actions as catalog_actions
from yunwei.core.models import AuditEntry
from yunwei.tickets import actions
from yunwei.tickets.models import (
    AssignmentRule,
    CannedResponse,
    Category,
    PriorityCell,
)

pytestmark = pytest.mark.django_db

DECLARED = [
    {
        "name": "asset_tag",
        "label_zh": "资产编号",
        "label_en": "Asset tag",
        "type": "text",
        "required": True,
    },
    {"name": "site", "label_zh": "地点", "label_en": "Site", "type": "choice", "choices": ["北京"]},
    {"name": "warranty", "label_en": "Under warranty", "type": "boolean", "choices": ["x"]},
]
NORMALISED = [
    {
        "name": "asset_tag",
        "label_zh": "资产编号",
        "label_en": "Asset tag",
        "type": "text",
        "required": True,
    },
    {
        "name": "site",
        "label_zh": "地点",
        "label_en": "Site",
        "type": "choice",
        "required": False,
        "choices": ["北京"],
    },
    {
        "name": "warranty",
        "label_zh": "",
        "label_en": "Under warranty",
        "type": "boolean",
        "required": False,
    },
]


def _entries(obj: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (entry.action, entry.changes)
        for entry in AuditEntry.objects.for_object(obj).order_by("created_at", "id")
    ]


@pytest.fixture
def hardware(admin: Any) -> Category:
    return actions.create_category(
        actor=admin, name_zh="硬件", name_en="Hardware", ticket_types=["incident"]
    )


# --- categories ------------------------------------------------------------------------------


def test_a_category_is_created_with_its_custom_fields_normalised_and_audited(admin: Any) -> None:
    category = actions.create_category(
        actor=admin,
        name_zh="硬件",
        name_en="Hardware",
        ticket_types=["incident", "request"],
        fields=DECLARED,
    )
    category.refresh_from_db()
    assert category.fields == NORMALISED
    assert category.ticket_types == ["incident", "request"]
    [(action, changes)] = _entries(category)
    assert action == "create"
    assert changes["fields"] == [None, NORMALISED]
    assert changes["name_en"] == [None, "Hardware"]
    entry = AuditEntry.objects.for_object(category).get()
    assert entry.actor == admin


def test_updating_a_categorys_fields_records_them_before_and_after(
    admin: Any, hardware: Category
) -> None:
    actions.update_category(hardware, actor=admin, fields=DECLARED[:1])
    hardware.refresh_from_db()
    assert hardware.fields == NORMALISED[:1]
    assert _entries(hardware)[-1] == ("update", {"fields": [[], NORMALISED[:1]]})


def test_an_update_that_changes_nothing_leaves_no_audit_entry(
    admin: Any, hardware: Category
) -> None:
    before = AuditEntry.objects.count()
    actions.update_category(hardware, actor=admin, name_en="Hardware", ticket_types=["incident"])
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "asset_tag"}, "Give a list of field declarations."),
        (["asset_tag"], "Field 1: give an object."),
        (
            [{"name": "Asset Tag", "type": "text"}],
            "Field 1: the name must be lowercase letters, digits and _.",
        ),
        (
            [{"name": "tag", "type": "text"}, {"name": "tag", "type": "number"}],
            "Field 2: the name tag is used twice.",
        ),
        ([{"name": "colour", "type": "colour"}], "Field 1: unknown type colour."),
        (
            [{"name": "ok", "type": "text"}, {"name": "site", "type": "choice"}],
            "Field 2: a choice field needs a list of choices.",
        ),
        (
            [{"name": "site", "type": "choice", "choices": ["a", 2]}],
            "Field 1: a choice field needs a list of choices.",
        ),
    ],
)
def test_bad_field_declarations_are_refused_naming_the_problem(
    admin: Any, fields: Any, message: str
) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as raised:
        actions.create_category(actor=admin, name_en="Hardware", fields=fields)
    assert raised.value.message_dict == {"fields": [message]}
    assert not Category.objects.exists()
    assert AuditEntry.objects.count() == before


def test_bad_declarations_leave_an_existing_category_as_it_was(
    admin: Any, hardware: Category
) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        actions.update_category(hardware, actor=admin, fields=[{"name": "1st", "type": "text"}])
    hardware.refresh_from_db()
    assert hardware.fields == []
    assert AuditEntry.objects.count() == before


def test_a_category_without_any_name_or_with_an_unknown_type_is_refused(admin: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.create_category(actor=admin, name_zh=" ", name_en="")
    assert raised.value.message_dict == {"name_zh": ["Give a name in Chinese, in English or both."]}
    with pytest.raises(ValidationError) as raised:
        actions.create_category(actor=admin, name_en="Changes", ticket_types=["change"])
    assert raised.value.message_dict == {
        "ticket_types": ["Choose among incident, request and problem."]
    }
    assert not Category.objects.exists()


def test_a_category_cannot_sit_under_itself_or_its_own_subcategory(
    admin: Any, hardware: Category
) -> None:
    printers = actions.create_category(actor=admin, name_en="Printers", parent=hardware)
    laser = actions.create_category(actor=admin, name_en="Laser", parent=printers)
    before = AuditEntry.objects.count()
    for parent in (hardware, printers, laser):
        with pytest.raises(ValidationError) as raised:
            actions.update_category(hardware, actor=admin, parent=parent)
        assert raised.value.message_dict == {"parent": ["A category cannot sit under itself."]}
    hardware.refresh_from_db()
    assert hardware.parent_id is None
    assert AuditEntry.objects.count() == before


def test_moving_a_category_under_another_is_audited(admin: Any, hardware: Category) -> None:
    network = actions.create_category(actor=admin, name_en="Network")
    actions.update_category(network, actor=admin, parent=hardware)
    network.refresh_from_db()
    assert network.parent == hardware
    assert _entries(network)[-1] == ("update", {"parent": [None, hardware.pk]})


def test_a_category_in_use_is_not_deleted(
    admin: Any, requester: Any, service: Any, hardware: Category
) -> None:
    actions.create_ticket(actor=requester, title="屏幕闪烁", service=service, category=hardware)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as raised:
        actions.delete_category(hardware, actor=admin)
    assert raised.value.code == "protected"
    assert raised.value.messages == ["This is still in use; mark it inactive instead."]
    assert Category.objects.filter(pk=hardware.pk).exists()
    assert AuditEntry.objects.count() == before


def test_a_category_with_subcategories_is_not_deleted(admin: Any, hardware: Category) -> None:
    actions.create_category(actor=admin, name_en="Printers", parent=hardware)
    with pytest.raises(ValidationError):
        actions.delete_category(hardware, actor=admin)
    assert Category.objects.count() == 2


def test_an_unused_category_is_deleted_and_audited(admin: Any, hardware: Category) -> None:
    pk = hardware.pk
    actions.delete_category(hardware, actor=admin)
    assert not Category.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.filter(object_type="tickets.category", object_id=str(pk)).latest(
        "id"
    )
    assert entry.action == "delete"
    assert entry.changes["name_en"] == ["Hardware", None]


# --- the priority matrix ---------------------------------------------------------------------


def test_a_changed_matrix_changes_the_priority_new_tickets_get(
    admin: Any, requester: Any, service: Any, sla: Any
) -> None:
    before = actions.create_ticket(
        actor=requester, title="服务器宕机", service=service, impact="high", urgency="high"
    )
    assert before.priority == "urgent"
    actions.set_priority_matrix(
        actor=admin, cells={("high", "high"): "important", ("low", "low"): "general"}
    )
    after = actions.create_ticket(
        actor=requester, title="服务器又宕机", service=service, impact="high", urgency="high"
    )
    low = actions.create_ticket(
        actor=requester, title="鼠标有点旧", service=service, impact="low", urgency="low"
    )
    medium = actions.create_ticket(actor=requester, title="打印慢", service=service)
    assert (after.priority, low.priority, medium.priority) == ("important", "general", "general")
    before.refresh_from_db()
    assert before.priority == "urgent"  # tickets raised earlier keep theirs
    entry = AuditEntry.objects.get(object_type="tickets.prioritycell", object_id="matrix")
    assert entry.action == "update"
    assert entry.actor == admin
    assert entry.changes == {
        "high/high": ["urgent", "important"],
        "low/low": ["unimportant", "general"],
    }


def test_saving_the_matrix_unchanged_leaves_no_audit_entry(admin: Any) -> None:
    actions.set_priority_matrix(actor=admin, cells={("medium", "medium"): "general"})
    assert not AuditEntry.objects.filter(object_type="tickets.prioritycell").exists()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({("high", "high"): "critical"}, "Unknown priority: critical."),
        ({("huge", "high"): "urgent"}, "Impact and urgency are high, medium or low."),
    ],
)
def test_a_bad_matrix_cell_is_refused_and_nothing_changes(
    admin: Any, cells: dict[tuple[str, str], str], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.set_priority_matrix(actor=admin, cells={("low", "low"): "general", **cells})
    assert raised.value.message_dict == {"matrix": [message]}
    assert not PriorityCell.objects.exists()
    assert not AuditEntry.objects.filter(object_type="tickets.prioritycell").exists()


# --- canned responses ------------------------------------------------------------------------


def test_canned_responses_are_visible_to_agents_of_their_team_but_never_to_requesters(
    admin: Any, agent: Any, requester: Any, desk: Any
) -> None:
    shared = actions.create_canned_response(actor=admin, title="您好", body="请稍候。")
    ours = actions.create_canned_response(actor=admin, title="重启", body="请重启。", team=desk)
    other_team = TeamFactory(name="Network")
    actions.create_canned_response(actor=admin, title="网络", body="检查网线。", team=other_team)
    assert set(CannedResponse.objects.visible_to(agent)) == {shared, ours}
    assert list(CannedResponse.objects.visible_to(requester)) == []


def test_a_team_lead_writes_canned_responses_but_may_not_delete_them(
    team_lead: Any, desk: Any
) -> None:
    response = actions.create_canned_response(
        actor=team_lead, title="Reboot", body="Please restart.", team=desk
    )
    actions.update_canned_response(response, actor=team_lead, body="Please restart the PC.")
    assert [action for action, _changes in _entries(response)] == ["create", "update"]
    assert _entries(response)[-1][1] == {"body": ["Please restart.", "Please restart the PC."]}
    with pytest.raises(PermissionDenied):
        actions.delete_canned_response(response, actor=team_lead)
    assert CannedResponse.objects.filter(pk=response.pk).exists()


def test_deleting_a_canned_response_is_audited(admin: Any) -> None:
    response = actions.create_canned_response(actor=admin, title="Hello", body="Hi.")
    pk = response.pk
    actions.delete_canned_response(response, actor=admin)
    assert not CannedResponse.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.filter(object_type="tickets.cannedresponse", object_id=str(pk))
    assert [e.action for e in entry.order_by("id")] == ["create", "delete"]


# --- assignment rules --------------------------------------------------------------------------


def _ticket(requester: Any, service: Any, **kwargs: Any) -> Any:
    return actions.create_ticket(actor=requester, title="无法登录", service=service, **kwargs)


def test_round_robin_alternates_between_the_teams_agents(
    admin: Any, agent: Any, team_lead: Any, requester: Any, service: Any, desk: Any
) -> None:
    actions.create_assignment_rule(
        actor=admin, name="Desk", team=desk, method="round_robin", order=10
    )
    tickets = [_ticket(requester, service) for _ in range(4)]
    assert [t.assignee for t in tickets] == [agent, team_lead, agent, team_lead]
    assert {(t.team, t.state) for t in tickets} == {(desk, "assigned")}


def test_least_loaded_picks_the_member_with_fewer_open_tickets(
    admin: Any, agent: Any, team_lead: Any, requester: Any, service: Any, desk: Any
) -> None:
    busy = [
        actions.create_ticket(
            actor=agent, requester=requester, title=f"旧工单 {n}", service=service, assignee=agent
        )
        for n in range(2)
    ]
    actions.create_assignment_rule(actor=admin, name="Desk", team=desk, method="least_loaded")
    assert _ticket(requester, service).assignee == team_lead  # agent has 2 open, lead 0
    for ticket in busy:  # resolved tickets are no load
        actions.transition_ticket(
            ticket, actor=agent, to="resolved", resolution="solved", note="已处理"
        )
    assert _ticket(requester, service).assignee == agent  # agent 0 open, lead 1


def test_team_only_puts_the_ticket_in_the_teams_queue(
    admin: Any, requester: Any, service: Any, desk: Any
) -> None:
    actions.create_assignment_rule(actor=admin, name="Desk", team=desk)
    ticket = _ticket(requester, service)
    assert (ticket.team, ticket.assignee, ticket.state) == (desk, None, "new")


def test_rules_match_on_service_organization_category_and_type_in_order(
    admin: Any,
    requester: Any,
    other_requester: Any,
    customer: Any,
    other_customer: Any,
    service: Any,
) -> None:
    vpn = catalog_actions.create_service(
        actor=None, code="vpn", name_en="VPN", category="network", organizations=[customer]
    )
    mail = catalog_actions.create_service(
        actor=None,
        code="mail",
        name_en="Mail",
        category="operations",
        organizations=[customer, other_customer],
    )
    hardware = actions.create_category(actor=admin, name_en="Hardware")
    teams = {name: TeamFactory(name=name) for name in ("VPN", "Globex", "Hardware", "Requests")}
    catch_all = TeamFactory(name="Anything")
    rule = actions.create_assignment_rule
    rule(actor=admin, name="VPN", order=10, service=vpn, team=teams["VPN"])
    rule(actor=admin, name="Globex", order=20, organization=other_customer, team=teams["Globex"])
    rule(actor=admin, name="Hardware", order=30, category=hardware, team=teams["Hardware"])
    rule(actor=admin, name="Requests", order=40, ticket_type="request", team=teams["Requests"])
    rule(actor=admin, name="Off", order=45, team=catch_all, is_active=False)

    def team_of(**kwargs: Any) -> str | None:
        kwargs.setdefault("service", service)
        ticket = actions.create_ticket(actor=kwargs.pop("actor", requester), title="?", **kwargs)
        return ticket.team.name if ticket.team else None

    assert team_of(service=vpn) == "VPN"
    assert team_of(service=vpn, type="request") == "VPN"  # the lower order wins
    assert team_of(actor=other_requester, service=mail) == "Globex"
    assert team_of(category=hardware) == "Hardware"
    assert team_of(type="request") == "Requests"
    assert team_of() is None  # no active rule matches: the inactive catch-all is skipped
    rule(actor=admin, name="Rest", order=50, team=catch_all)
    assert team_of() == "Anything"
    assert team_of(service=mail) == "Anything"


def test_rule_changes_are_audited_and_an_unchanged_save_is_not(admin: Any, desk: Any) -> None:
    rule = actions.create_assignment_rule(actor=admin, name="Desk", team=desk)
    actions.update_assignment_rule(rule, actor=admin, method="round_robin", order=5)
    actions.update_assignment_rule(rule, actor=admin, method="round_robin")
    pk = rule.pk
    actions.delete_assignment_rule(rule, actor=admin)
    entries = AuditEntry.objects.filter(object_type="tickets.assignmentrule", object_id=str(pk))
    assert [(e.action, e.changes.get("method")) for e in entries.order_by("id")] == [
        ("create", [None, "team_only"]),
        ("update", ["team_only", "round_robin"]),
        ("delete", ["round_robin", None]),
    ]
    assert not AssignmentRule.objects.exists()


def test_a_rule_needs_a_team_and_a_known_method(admin: Any, desk: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        actions.create_assignment_rule(actor=admin, name="Nowhere")
    assert set(raised.value.message_dict) == {"team"}
    with pytest.raises(ValidationError) as raised:
        actions.create_assignment_rule(actor=admin, name="Odd", team=desk, method="random")
    assert set(raised.value.message_dict) == {"method"}
    assert not AssignmentRule.objects.exists()
    assert not AuditEntry.objects.filter(object_type="tickets.assignmentrule").exists()


# --- who may configure ---------------------------------------------------------------------------


def _config_calls(admin: Any, desk: Any) -> dict[str, Callable[[Any], Any]]:
    category = actions.create_category(actor=admin, name_en="Hardware")
    response = actions.create_canned_response(actor=admin, title="Hello", body="Hi.")
    rule = actions.create_assignment_rule(actor=admin, name="Desk", team=desk)
    return {
        "create_category": lambda actor: actions.create_category(actor=actor, name_en="New"),
        "update_category": lambda actor: actions.update_category(
            category, actor=actor, fields=DECLARED
        ),
        "delete_category": lambda actor: actions.delete_category(category, actor=actor),
        "set_priority_matrix": lambda actor: actions.set_priority_matrix(
            actor=actor, cells={("high", "high"): "general"}
        ),
        "create_canned_response": lambda actor: actions.create_canned_response(
            actor=actor, title="New", body="New."
        ),
        "update_canned_response": lambda actor: actions.update_canned_response(
            response, actor=actor, body="Changed."
        ),
        "delete_canned_response": lambda actor: actions.delete_canned_response(
            response, actor=actor
        ),
        "create_assignment_rule": lambda actor: actions.create_assignment_rule(
            actor=actor, name="Mine", team=desk
        ),
        "update_assignment_rule": lambda actor: actions.update_assignment_rule(
            rule, actor=actor, method="round_robin"
        ),
        "delete_assignment_rule": lambda actor: actions.delete_assignment_rule(rule, actor=actor),
    }


CALLS = [
    "create_category",
    "update_category",
    "delete_category",
    "set_priority_matrix",
    "create_canned_response",
    "update_canned_response",
    "delete_canned_response",
    "create_assignment_rule",
    "update_assignment_rule",
    "delete_assignment_rule",
]


def _state() -> tuple[Any, ...]:
    return (
        list(Category.objects.values_list("id", "name_en", "fields").order_by("id")),
        list(PriorityCell.objects.values_list("impact", "urgency", "priority")),
        list(CannedResponse.objects.values_list("id", "title", "body").order_by("id")),
        list(AssignmentRule.objects.values_list("id", "name", "method").order_by("id")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("who", ["requester", "agent"])
@pytest.mark.parametrize("call", CALLS)
def test_requesters_and_agents_may_not_configure_the_desk_and_nothing_changes(
    request: pytest.FixtureRequest, admin: Any, desk: Any, who: str, call: str
) -> None:
    calls = _config_calls(admin, desk)
    actor = request.getfixturevalue(who)
    before = _state()
    with pytest.raises(PermissionDenied):
        calls[call](actor)
    assert _state() == before


@pytest.mark.parametrize(
    "call",
    [
        "create_category",
        "update_category",
        "delete_category",
        "set_priority_matrix",
        "delete_canned_response",
        "create_assignment_rule",
        "update_assignment_rule",
        "delete_assignment_rule",
    ],
)
def test_a_team_lead_configures_only_canned_responses(
    admin: Any, team_lead: Any, desk: Any, call: str
) -> None:
    calls = _config_calls(admin, desk)
    before = _state()
    with pytest.raises(PermissionDenied):
        calls[call](team_lead)
    assert _state() == before
