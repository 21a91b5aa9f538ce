from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yunwei.catalog.models import Service
from yunwei.catalog.querysets import display_name_order
from yunwei.core.tables import TABLE_ATTRS


class ServiceTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(
        verbose_name=_("Name"),
        accessor="display_name",
        linkify=lambda record: record.get_absolute_url(),
    )
    category = tables.Column()
    status = tables.TemplateColumn(
        template_name="catalog/_status.html", verbose_name=_("Status"), order_by="status"
    )
    owner_team = tables.Column()
    customer_count = tables.Column(verbose_name=_("Customers"), empty_values=(), orderable=False)

    class Meta:
        model = Service
        fields = ["code", "name", "category", "status", "owner_team", "customer_count"]
        sequence = ["code", "name", "category", "status", "owner_team", "customer_count"]
        attrs = TABLE_ATTRS

    def order_name(self, queryset: QuerySet, is_descending: bool) -> tuple[QuerySet, bool]:
        expression = display_name_order()
        ordered = expression.desc() if is_descending else expression.asc()
        return queryset.order_by(ordered, "pk"), True

    def render_customer_count(self, record: Service) -> int:
        return len(record.organizations.all())

    def value_customer_count(self, record: Service) -> Any:
        return self.render_customer_count(record)
