"""Tables of the service desk settings pages. The rows come with what they show already
fetched (`select_related` in the views): no query per row."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from yunwei.core.tables import TABLE_ATTRS
from yunwei.tickets.models import AssignmentRule, CannedResponse, Category, TicketType

DELETE_TEMPLATE = "tickets/config/partials/_delete.html"


def _delete_column(url_name: str) -> tables.TemplateColumn:
    return tables.TemplateColumn(
        template_name=DELETE_TEMPLATE,
        extra_context={"delete_url_name": url_name},
        verbose_name="",
        orderable=False,
        attrs={"td": {"class": "text-end w-1"}},
    )


def _edit_link(url_name: str) -> Any:
    return lambda record: reverse(url_name, args=[record.pk])


class CategoryTable(tables.Table):
    """The category tree: rows in tree order, each with its `depth` (set by the view)."""

    name = tables.Column(verbose_name=_("Name"), accessor="display_name", orderable=False)
    parent = tables.Column(verbose_name=_("Parent"), orderable=False, default="—")
    ticket_types = tables.Column(verbose_name=_("Ticket types"), orderable=False, empty_values=())
    custom_fields = tables.Column(
        verbose_name=_("Custom fields"), accessor="fields", orderable=False, empty_values=()
    )
    is_active = tables.BooleanColumn(verbose_name=_("Active"), orderable=False)
    delete = _delete_column("tickets:category_delete")

    class Meta:
        model = Category
        fields = ["name", "parent", "ticket_types", "is_active"]
        sequence = ["name", "parent", "ticket_types", "custom_fields", "is_active", "delete"]
        attrs = TABLE_ATTRS
        row_attrs = {"data-depth": lambda record: getattr(record, "depth", 0)}

    def render_name(self, record: Category, value: str) -> Any:
        depth = getattr(record, "depth", 0)
        link = format_html(
            '<a href="{}" data-testid="category-{}">{}</a>',
            reverse("tickets:category_edit", args=[record.pk]),
            record.pk,
            value,
        )
        if not depth:
            return link
        return format_html(
            '<span class="d-inline-block" style="padding-left: {}rem">'
            '<i class="ti ti-corner-down-right text-secondary me-1"></i>{}</span>',
            1.5 * depth,
            link,
        )

    def render_ticket_types(self, record: Category) -> str:
        labels = dict(TicketType.choices)
        types = record.ticket_types or []
        if not types:
            return str(_("All types"))
        return ", ".join(str(labels.get(code, code)) for code in types)

    def render_custom_fields(self, record: Category) -> Any:
        declared = record.fields or []
        if not declared:
            return "—"
        return format_html_join(
            " ",
            '<span class="badge bg-secondary-lt" title="{}">{}{}</span>',
            (
                (
                    field.get("type", ""),
                    field.get("name", ""),
                    " *" if field.get("required") else "",
                )
                for field in declared
            ),
        )


class CannedResponseTable(tables.Table):
    title = tables.Column(linkify=_edit_link("tickets:canned_response_edit"))
    body = tables.Column(orderable=False)
    team = tables.Column(default=_("All agents (shared)"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i")
    delete = _delete_column("tickets:canned_response_delete")

    class Meta:
        model = CannedResponse
        fields = ["title", "body", "team", "updated_at"]
        sequence = ["title", "body", "team", "updated_at", "delete"]
        attrs = TABLE_ATTRS

    def render_body(self, value: str) -> str:
        text = " ".join(value.split())
        return text if len(text) <= 80 else text[:79] + "…"


class AssignmentRuleTable(tables.Table):
    order = tables.Column(orderable=False)
    name = tables.Column(linkify=_edit_link("tickets:assignment_rule_edit"), orderable=False)
    conditions = tables.Column(
        verbose_name=_("When the ticket has"), empty_values=(), orderable=False
    )
    team = tables.Column(orderable=False)
    method = tables.Column(orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("Active"), orderable=False)
    delete = _delete_column("tickets:assignment_rule_delete")

    class Meta:
        model = AssignmentRule
        fields = ["order", "name", "team", "method", "is_active"]
        sequence = ["order", "name", "conditions", "team", "method", "is_active", "delete"]
        attrs = TABLE_ATTRS

    def render_conditions(self, record: AssignmentRule) -> Any:
        parts: list[tuple[Any, Any]] = []
        if record.service_id:
            parts.append((_("Service"), record.service))
        if record.category_id:
            parts.append((_("Category"), record.category))
        if record.organization_id:
            parts.append((_("Organization"), record.organization))
        if record.ticket_type:
            parts.append((_("Type"), record.get_ticket_type_display()))
        if not parts:
            return format_html('<span class="text-secondary">{}</span>', _("Any ticket"))
        return format_html_join(
            " ", '<span class="badge bg-blue-lt">{}: {}</span>', ((k, v) for k, v in parts)
        )
