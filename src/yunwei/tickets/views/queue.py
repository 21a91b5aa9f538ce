"""The queue: the ticket list with its filters, tabs, saved views, search and bulk
changes."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View

from yunwei.core.views import ObjectListView, PermissionMixin
from yunwei.tickets import actions, workflow
from yunwei.tickets.api import ORDERINGS, order_tickets
from yunwei.tickets.filters import MORE_FILTERS, TicketFilter
from yunwei.tickets.forms import (
    BulkForm,
    SavedViewForm,
    tag_list,
)
from yunwei.tickets.models import (
    SavedView,
    Ticket,
)
from yunwei.tickets.tables import QueuePaginator, TicketTable


def _query_key(query: str) -> tuple[tuple[str, str], ...]:
    """A query string without paging, in a stable order, to tell which tab is open."""
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=False)
    return tuple(sorted((k, v) for k, v in pairs if k not in ("page", "per_page")))


STAFF_TABS = [
    ("mine", gettext_lazy("Mine"), "view=mine&ordering=due_at"),
    ("team", gettext_lazy("My teams"), "view=team&ordering=due_at"),
    ("unassigned", gettext_lazy("Unassigned"), "view=unassigned&ordering=due_at"),
    ("breaching", gettext_lazy("Breaching soon"), "view=breaching&ordering=due_at"),
    ("open", gettext_lazy("All open"), "view=open"),
    ("all", gettext_lazy("All"), ""),
]
CUSTOMER_TABS = [
    ("requested", gettext_lazy("My requests"), "view=requested"),
    ("open", gettext_lazy("Open"), "view=open"),
    ("all", gettext_lazy("All"), ""),
]


class TicketList(ObjectListView):
    """The queue: built-in and saved views as tabs, filters and search through GET
    parameters, sorting by `?ordering=`, bulk changes for the service desk."""

    model = Ticket
    table_class = TicketTable
    filterset_class = TicketFilter
    permission = "tickets.view_ticket"
    customers_allowed = True
    template_name = "tickets/ticket_list.html"
    fragment_template = "tickets/partials/_queue.html"
    add_url_name = "tickets:ticket_add"
    add_permission = "tickets.add_ticket"

    def get_table_pagination(self, table: Any) -> dict[str, Any]:
        return {
            "per_page": 25,
            "paginator_class": QueuePaginator,
            "count_limit": getattr(self, "count_limit", None),
        }

    def get_queryset(self) -> QuerySet:
        return Ticket.objects.visible_to(self.request.user)

    def ordering(self) -> list[str]:
        keys = []
        for value in self.request.GET.getlist("ordering"):
            for key in value.split(","):
                key = key.strip()
                name = key[1:] if key.startswith("-") else key
                if name in ORDERINGS and key not in keys:
                    keys.append(key)
        return keys

    def search_query(self) -> str:
        return (self.request.GET.get("q") or "").strip()

    def get_table_data(self) -> QuerySet:
        queryset = super().get_table_data()
        keys = self.ordering()
        # A search orders its matches itself (best or newest first), unless sorted.
        self.search_ranked = bool(queryset.search_ranked) and not keys
        self.count_limit = queryset.count_limit
        if keys:
            queryset = order_tickets(queryset, ",".join(keys))
        elif not self.search_query():
            queryset = order_tickets(queryset, "-created_at")
        return queryset.for_list()

    def get_table_kwargs(self) -> dict[str, Any]:
        user = self.request.user
        exclude: list[str] = []
        if not user.is_provider_staff:
            exclude += list(TicketTable.STAFF_ONLY)
        elif not actions.is_agent(user):
            exclude.append("select")
        return {"exclude": exclude, "query": self.search_query()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        request = self.request
        user = request.user
        staff = user.is_provider_staff
        agent = actions.is_agent(user)
        current = _query_key(request.GET.urlencode())
        tabs = [
            {"code": code, "label": label, "query": query, "active": _query_key(query) == current}
            for code, label, query in (STAFF_TABS if staff else CUSTOMER_TABS)
        ]
        saved: list[dict[str, Any]] = []
        if staff:
            for view in SavedView.objects.filter(Q(owner=user) | Q(shared=True)).select_related(
                "owner"
            ):
                saved.append(
                    {
                        "view": view,
                        "active": _query_key(view.query) == current,
                        "mine": view.owner_id == user.pk,
                    }
                )
        query = urlencode(
            [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]
        )
        form = context["filter"].form
        primary = ("q", "state", "priority", "service", "assignee", "team")
        context["filter_primary"] = [form[name] for name in primary if name in form.fields]
        context["filter_more"] = [
            form[name] for name in MORE_FILTERS if name in form.fields and not form[name].is_hidden
        ]
        context["filter_hidden"] = form.hidden_fields()
        requester = (
            form.cleaned_data.get("requester") if form.is_bound and form.is_valid() else None
        )
        context["filter_requester"] = requester
        context.update(
            {
                "title": _("Tickets"),
                "staff": staff,
                "agent": agent,
                "tabs": tabs,
                "saved_views": saved,
                "any_tab_active": any(t["active"] for t in tabs) or any(s["active"] for s in saved),
                "search_query": self.search_query(),
                "search_ranked": getattr(self, "search_ranked", False),
                "count_limit": getattr(self, "count_limit", None),
                "bulk_form": BulkForm(actor=user, initial={"next": request.get_full_path()})
                if agent
                else None,
                "saved_view_form": SavedViewForm(initial={"query": query})
                if staff and user.has_perm("tickets.view_ticket")
                else None,
                "may_share_views": user.has_perm("tickets.add_cannedresponse"),
                "can_add": user.has_perm("tickets.add_ticket"),
            }
        )
        return context


def _back_to_queue(request: HttpRequest, target: str | None) -> HttpResponseRedirect:
    queue = reverse("tickets:ticket_list")
    if (
        target
        and target.startswith(queue)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(queue)


class TicketBulk(PermissionMixin, View):
    """POST: one change (assign, priority, tags, resolve, close) to the ticked tickets,
    all or none."""

    permission = "tickets.change_ticket"
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not actions.is_agent(user):
            raise PermissionDenied
        form = BulkForm(request.POST, actor=user)
        if not form.is_valid():
            errors = [str(e) for field in form.errors.values() for e in field]
            messages.error(request, " ".join(errors))
            return _back_to_queue(request, request.POST.get("bulk-next"))
        data = form.cleaned_data
        tickets = sorted(data["ids"].prefetch_related("tags"), key=lambda t: t.pk)
        operation = data["operation"]
        try:
            if operation == "assign":
                changes = {name: data[name] for name in ("assignee", "team") if data[name]}
                count = actions.bulk_update(tickets, actor=user, **changes)
            elif operation == "priority":
                count = actions.bulk_update(tickets, actor=user, priority=data["priority"])
            elif operation == "tags":
                added = tag_list(data["tags"])
                count = 0
                with transaction.atomic():  # all or none, as one bulk_update would be
                    for ticket in tickets:
                        names = [tag.name for tag in ticket.tags.all()]
                        names += [name for name in added if name not in names]
                        count += actions.bulk_update([ticket], actor=user, tags=names)
            elif operation == "resolve":
                count = actions.bulk_update(
                    tickets,
                    actor=user,
                    to=workflow.RESOLVED,
                    resolution=data["resolution"],
                    note=data["note"],
                )
            else:
                count = actions.bulk_update(
                    tickets, actor=user, to=workflow.CLOSED, note=data["note"] or ""
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", count)
                % {"count": count},
            )
        return _back_to_queue(request, data.get("next"))


class SavedViewSave(PermissionMixin, View):
    permission = "tickets.view_ticket"
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SavedViewForm(request.POST)
        queue = reverse("tickets:ticket_list")
        if not form.is_valid():
            messages.error(request, _("Give the view a name."))
            return _back_to_queue(request, f"{queue}?{request.POST.get('view-query', '')}")
        data = form.cleaned_data
        try:
            view = actions.save_view(
                actor=request.user, name=data["name"], query=data["query"], shared=data["shared"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _back_to_queue(request, f"{queue}?{data['query']}")
        messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
        return _back_to_queue(request, f"{queue}?{view.query}")


class SavedViewDelete(PermissionMixin, View):
    permission = "tickets.view_ticket"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        view = SavedView.objects.filter(Q(owner=user) | Q(shared=True), pk=pk).first()
        if view is None:
            raise Http404
        actions.delete_view(view, actor=user)
        messages.success(request, _("Deleted the view “%(name)s”.") % {"name": view.name})
        return redirect("tickets:ticket_list")
