"""The home page and the audit trail browser."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from yunwei.core.models import AuditAction, AuditEntry, AuditSource
from yunwei.core.views import ObjectListView


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from yunwei.accounts.models import Organization, Team, User

    user = request.user
    if not user.is_provider_staff:
        # Customers' users work in the customer portal; the agent home is the provider's.
        return redirect("portal:home")
    context: dict[str, Any] = {
        "counts": {
            "organizations": Organization.objects.visible_to(user).count(),
            "users": User.objects.visible_to(user).count(),
            "teams": Team.objects.visible_to(user).count(),
        },
        "recent": AuditEntry.objects.visible_to(user).filter(actor=user)[:10],
    }
    return render(request, "core/home.html", context)


class AuditTable(tables.Table):
    created_at = tables.DateTimeColumn(
        verbose_name=_("time"), format="Y-m-d H:i:s", attrs={"td": {"class": "text-nowrap"}}
    )
    changes = tables.Column(verbose_name=_("changes"), orderable=False)

    class Meta:
        model = AuditEntry
        fields = [
            "created_at",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "source",
            "request_id",
        ]
        attrs = {"class": "table table-vcenter card-table table-sm"}
        order_by = "-created_at"

    def render_changes(self, value: dict[str, Any]) -> str:
        """One line per field, `field: old → new`, shortened so rows stay readable."""

        def short(item: Any) -> str:
            text = "∅" if item in (None, "") else str(item)
            return text if len(text) <= 40 else text[:39] + "…"

        return "; ".join(
            f"{name}: {short(old)} → {short(new)}" for name, (old, new) in value.items()
        )


class AuditFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("Action"))
    source = django_filters.ChoiceFilter(choices=AuditSource.choices, label=_("Source"))
    object_type = django_filters.CharFilter(label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    actor_label = django_filters.CharFilter(label=_("Actor"), lookup_expr="icontains")

    class Meta:
        model = AuditEntry
        fields = ["action", "source", "object_type", "object_id", "actor_label"]


class AuditList(ObjectListView):
    model = AuditEntry
    table_class = AuditTable
    filterset_class = AuditFilter
    permission = "core.view_auditentry"
    table_pagination = {"per_page": 50}

    def get_queryset(self) -> QuerySet:
        return AuditEntry.objects.visible_to(self.request.user)
