"""The service catalogue pages: list, detail, create and edit."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yunwei.catalog.filters import ServiceFilter
from yunwei.catalog.forms import ServiceForm
from yunwei.catalog.models import Service
from yunwei.catalog.tables import ServiceTable
from yunwei.core.views import ObjectDetailView, ObjectFormView, ObjectListView

# What only the provider's staff see: the owning team and the other subscribers.
PROVIDER_ONLY_COLUMNS = ("owner_team", "customer_count")


class ServiceList(ObjectListView):
    model = Service
    table_class = ServiceTable
    filterset_class = ServiceFilter
    permission = "catalog.view_service"
    customers_allowed = True
    add_url_name = "catalog:service_add"
    add_permission = "catalog.add_service"

    def get_table_kwargs(self) -> dict[str, Any]:
        if self.request.user.is_provider_staff:
            return {}
        return {"exclude": PROVIDER_ONLY_COLUMNS}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Service catalogue")
        return context


class ServiceDetail(ObjectDetailView):
    model = Service
    permission = "catalog.view_service"
    customers_allowed = True
    template_name = "catalog/service_detail.html"
    edit_url_name = "catalog:service_edit"
    edit_permission = "catalog.change_service"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        staff = self.request.user.is_provider_staff
        context["show_provider_details"] = staff
        context["customers"] = list(self.object.organizations.all()) if staff else []
        return context


class ServiceEdit(ObjectFormView):
    model = Service
    form_class = ServiceForm
    permission = "catalog.change_service"


class ServiceAdd(ServiceEdit):
    permission = "catalog.add_service"
