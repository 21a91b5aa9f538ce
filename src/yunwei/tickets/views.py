"""The service desk pages: the queue, a ticket's page with its conversation and history,
and the forms that raise and edit tickets.

Thin: every change is an action (`tickets.actions`), called from a POST. With htmx a
change answers with the parts of the ticket page it touched (swapped out of band by
their ids) and the messages; without JavaScript it redirects back to the page. An
action's ValidationError is shown next to the field it names; PermissionDenied is a 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View
from django_htmx.http import HttpResponseClientRedirect

from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service
from yunwei.core.api_support import get_visible
from yunwei.core.models import AuditEntry
from yunwei.core.views import ObjectListView, PermissionMixin
from yunwei.sla.models import SlaRecord, reason_label
from yunwei.tickets import actions, history, workflow
from yunwei.tickets.api import ORDERINGS, attachment_response, order_tickets
from yunwei.tickets.filters import MORE_FILTERS, TicketFilter
from yunwei.tickets.forms import (
    TRANSITION_LABELS,
    AnalysisForm,
    AttachmentForm,
    BulkForm,
    LinkForm,
    ReplyForm,
    SavedViewForm,
    SurveyForm,
    TicketForm,
    TransitionForm,
    add_action_errors,
    custom_field_label,
    staff_users,
    tag_list,
)
from yunwei.tickets.models import (
    CannedResponse,
    Category,
    Comment,
    FieldType,
    SavedView,
    Tag,
    Ticket,
    TicketLink,
    TicketState,
    TicketType,
)
from yunwei.tickets.tables import QueuePaginator, TicketTable, sla_timers

# --- the queue ---------------------------------------------------------------------------


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
        return {"per_page": 25, "paginator_class": QueuePaginator}

    def get_queryset(self) -> QuerySet:
        return Ticket.objects.visible_to(self.request.user)

    def ordering(self) -> list[str]:
        keys = []
        for value in self.request.GET.getlist("ordering"):
            for key in value.split(","):
                key = key.strip()
                if key and key.lstrip("-") in ORDERINGS and key not in keys:
                    keys.append(key)
        return keys

    def search_query(self) -> str:
        return (self.request.GET.get("q") or "").strip()

    def get_table_data(self) -> QuerySet:
        queryset = super().get_table_data()
        keys = self.ordering()
        if keys:
            queryset = order_tickets(queryset, ",".join(keys))
        elif not self.search_query():  # a search is ranked best first
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


# --- one ticket: what its page shows ------------------------------------------------------

PART_TEMPLATES = {
    "header": "tickets/partials/_header.html",
    "summary": "tickets/partials/_summary.html",
    "analysis": "tickets/partials/_analysis.html",
    "comments": "tickets/partials/_comments.html",
    "reply": "tickets/partials/_reply.html",
    "sidebar": "tickets/partials/_sidebar.html",
    "history": "tickets/partials/_history.html",
}
# What the customer never reads in a ticket's history: the provider's teams, its
# analysis and its time records.
PROVIDER_ONLY_CHANGES = {"team", "analysis", "root_cause", "watchers", "time_spent_minutes"}
HISTORY_LIMIT = 100
EXTRA_LABELS = {
    "transition": gettext_lazy("Transition"),
    "link": gettext_lazy("Link"),
    "satisfaction": gettext_lazy("Satisfaction"),
    "satisfaction_comment": gettext_lazy("Satisfaction comment"),
}
RELATED = {
    "requester": User,
    "assignee": User,
    "watchers": User,
    "team": Team,
    "service": Service,
    "category": Category,
    "organization": Organization,
    "problem": Ticket,
    "parent": Ticket,
    "tags": Tag,
}
HIDDEN_ON_CREATE = {"reference", "organization", "custom_fields", "state"}


def load_ticket(request: HttpRequest, pk: int) -> Ticket:
    """The ticket with all its page needs, or 404 when the user may not see it."""
    return get_visible(Ticket.objects.for_detail(), request.user, pk)


def _model_for(entry: AuditEntry) -> Any:
    return SlaRecord if entry.object_type == "sla.slarecord" else Ticket


def _label(name: str, model: Any = Ticket) -> Any:
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    try:
        return model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:  # not a field (e.g. "transition"): the key itself
        return name


def _names(model: Any, ids: set[int], user: Any) -> dict[int, str]:
    if not ids:
        return {}
    if model is Ticket:
        rows = Ticket.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "reference")
        return dict(rows)
    if model is Tag:
        return dict(Tag.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}


def _value(name: str, value: Any, names: dict[str, dict[int, str]], model: Any = Ticket) -> str:
    """An audited value as the page shows it: names for ids, labels for codes, local
    times for instants."""
    if value is None or value == "" or value == []:
        return ""
    if model is Ticket and name in RELATED:
        lookup = names.get(name, {})
        if isinstance(value, list):
            return ", ".join(lookup.get(v, f"#{v}") for v in value)
        return lookup.get(value, f"#{value}")
    if name == "transition":
        return str(TRANSITION_LABELS.get(value, value))
    if name == "reason":
        return reason_label(str(value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if name.endswith("_at") and isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    return str(value)


def ticket_history(user: Any, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's history (`history.for_ticket`: its own entries and those of its
    comments, files and SLA clocks that the user may read), newest first, with old → new
    values spelled out. A customer's user gets none of the provider's own fields and no
    ticket they may not see, not even its number."""
    staff = user.is_provider_staff
    entries = list(history.for_ticket(ticket, user)[:HISTORY_LIMIT])
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_type != "tickets.ticket":
            continue
        for name, pair in (entry.changes or {}).items():
            if name in RELATED and isinstance(pair, list):
                for value in pair:
                    values = value if isinstance(value, list) else [value]
                    wanted.setdefault(name, set()).update(v for v in values if isinstance(v, int))
    by_model: dict[Any, set[int]] = {}
    for name, ids in wanted.items():
        by_model.setdefault(RELATED[name], set()).update(ids)
    resolved = {model: _names(model, ids, user) for model, ids in by_model.items()}
    names = {name: resolved[RELATED[name]] for name in wanted}
    rows = []
    for entry in entries:
        changes = entry.changes or {}
        row: dict[str, Any] = {"entry": entry, "kind": entry.object_type.split(".")[-1]}
        if entry.object_type == "tickets.comment":
            public = bool((changes.get("public") or [None, True])[1])
            row.update(
                public=public,
                body=(changes.get("body") or [None, ""])[1],
                minutes=(changes.get("time_spent_minutes") or [None, 0])[1] if staff else 0,
            )
        elif entry.object_type == "tickets.attachment":
            row.update(name=(changes.get("name") or [None, ""])[1])
        else:
            model = _model_for(entry)
            items = []
            for name, pair in changes.items():
                if not staff and name in PROVIDER_ONLY_CHANGES:
                    continue
                old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
                if entry.action == "create" and (name in HIDDEN_ON_CREATE or new in (None, "", [])):
                    continue
                if (
                    model is Ticket
                    and RELATED.get(name) is Ticket
                    and not all(
                        value is None or value in names.get(name, {}) for value in (old, new)
                    )
                ):
                    continue
                items.append(
                    {
                        "label": _label(name, model),
                        "old": _value(name, old, names, model),
                        "new": _value(name, new, names, model),
                        "show_old": entry.action != "create"
                        and name not in ("transition", "reason"),
                    }
                )
            if not items:
                continue
            row["changes"] = items
            if model is SlaRecord:
                row["title"] = entry.object_repr
        rows.append(row)
    return rows


def _custom_field_rows(ticket: Ticket) -> list[tuple[str, Any]]:
    declarations = ticket.category.fields if ticket.category else []
    values = ticket.custom_fields or {}
    rows = []
    for declaration in declarations:
        value = values.get(declaration["name"])
        if value is None or value == "":
            continue
        if declaration["type"] == FieldType.BOOLEAN:
            value = _("Yes") if value else _("No")
        rows.append((custom_field_label(declaration), value))
    known = {d["name"] for d in declarations}
    rows += [(name, value) for name, value in values.items() if name not in known]
    return rows


def ticket_context(
    request: HttpRequest, ticket: Ticket, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything the ticket page and its parts show; `bound` holds forms with the
    user's input and errors to show instead of empty ones."""
    bound = bound or {}
    user = request.user
    staff = user.is_provider_staff
    agent = actions.is_agent(user)

    def sees(other: Ticket | None) -> bool:
        return other is not None and (staff or other.organization_id == user.organization_id)

    comments = list(Comment.objects.visible_to(user).filter(ticket=ticket).for_list(user))
    files = ticket.attachments.select_related("uploaded_by")
    if not staff:
        files = files.filter(public=True)
    files = list(files)
    closed = ticket.state == TicketState.CLOSED
    if agent:
        moves = workflow.allowed(ticket.state, is_agent=True)
    elif not staff and user.has_perm("tickets.add_comment"):
        moves = workflow.allowed(ticket.state, is_agent=False)
    else:
        moves = []
    staff_people = staff_users() if agent else None
    transitions = [
        bound.get(f"transition:{to}")
        or TransitionForm(to=to, ticket=ticket, actor=user, staff=staff_people)
        for to in moves
    ]
    open_transition = next((form.to for form in transitions if form.is_bound and form.errors), None)
    # A move refused because it is no longer offered (the ticket moved meanwhile).
    transition_errors = [
        message
        for key, form in bound.items()
        if key.startswith("transition:") and form.to not in moves
        for messages_ in form.errors.values()
        for message in messages_
    ]
    survey = getattr(ticket, "survey", None)
    links = [
        {"link": link, "other": link.target, "kind": link.get_kind_display(), "outgoing": True}
        for link in ticket.links_out.all()
        if sees(link.target)
    ] + [
        {"link": link, "other": link.source, "kind": link.get_kind_display(), "outgoing": False}
        for link in ticket.links_in.all()
        if sees(link.source)
    ]
    can = {
        "edit": agent,
        "reply": user.has_perm("tickets.add_comment") and not closed,
        "note": agent,
        "attach": user.has_perm("tickets.add_attachment") and not closed,
        "link": agent and user.has_perm("tickets.add_ticketlink"),
        "unlink": agent and user.has_perm("tickets.delete_ticketlink"),
        "analysis": agent and ticket.type in (TicketType.INCIDENT, TicketType.PROBLEM),
        "rate": survey is not None
        and survey.answered_at is None
        and user.pk == ticket.requester_id,
        "assign_me": agent and workflow.ASSIGNED in moves and ticket.assignee_id != user.pk,
        "transition": bool(moves),
    }
    return {
        "ticket": ticket,
        "title": str(ticket),
        "staff": staff,
        "agent": agent,
        "can": can,
        "comments": comments,
        "files": files,
        "timers": sla_timers(ticket),
        "custom_fields": _custom_field_rows(ticket),
        "watchers": [
            w for w in ticket.watchers.all() if staff or w.organization_id == ticket.organization_id
        ],
        "problem": ticket.problem if sees(ticket.problem) else None,
        "parent": ticket.parent if sees(ticket.parent) else None,
        "children": [t for t in ticket.children.all() if sees(t)],
        "incidents": [t for t in ticket.incidents.all() if sees(t)],
        "links": links,
        "survey": survey,
        "history": ticket_history(user, ticket),
        "canned": list(CannedResponse.objects.visible_to(user)) if agent else [],
        "transitions": transitions,
        "open_transition": open_transition,
        "transition_errors": transition_errors,
        "reply_form": bound.get("reply") or ReplyForm(actor=user),
        "attachment_form": bound.get("attachment") or AttachmentForm(actor=user),
        "analysis_form": bound.get("analysis") or AnalysisForm(ticket=ticket),
        "link_form": bound.get("link") or LinkForm(ticket=ticket, actor=user),
        "survey_form": bound.get("survey") or SurveyForm(),
    }


class TicketDetail(PermissionMixin, View):
    """A ticket's page: header, description, conversation, SLA clocks, links, files and
    history, with the forms of what the user may do."""

    permission = "tickets.view_ticket"
    customers_allowed = True

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = load_ticket(request, pk)
        return render(request, "tickets/ticket_detail.html", ticket_context(request, ticket))


class TicketChange(PermissionMixin, View):
    """A POST that changes a ticket through one action. Subclasses give the form, the
    action, the part of the page their form lives in and the parts a success changes."""

    permission = "tickets.view_ticket"
    customers_allowed = True
    http_method_names = ["post"]
    form_key = ""
    form_part = "sidebar"
    parts: tuple[str, ...] = ("header", "sidebar", "history")
    anchor = ""

    def get_form(self, ticket: Ticket) -> Any:
        raise NotImplementedError

    def perform(self, ticket: Ticket, form: Any) -> str:
        """Call the action; return the success message."""
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        ticket = get_visible(Ticket.objects.all(), request.user, pk)
        self.kwargs = kwargs
        self.before = ticket.state
        form = self.get_form(ticket)
        if form is None or form.is_valid():
            try:
                message = self.perform(ticket, form)
            except PermissionDenied as error:
                if not request.htmx:
                    raise
                # Still a 403, with the reason where the user looks (shortcuts.js swaps it).
                messages.error(request, str(error) or _("You are not allowed to do this."))
                return self.respond(ticket, parts=(), status=403)
            except ValidationError as error:
                if form is None:
                    messages.error(request, " ".join(error.messages))
                    return self.respond(ticket, parts=("header",))
                add_action_errors(form, error)
            else:
                if message:
                    messages.success(request, message)
                return self.respond(ticket, parts=self.success_parts(ticket))
        return self.respond(ticket, form=form, parts=(self.form_part,), status=200)

    def success_parts(self, ticket: Ticket) -> tuple[str, ...]:
        return self.parts

    def respond(
        self,
        ticket: Ticket,
        *,
        parts: tuple[str, ...],
        form: Any = None,
        status: int = 200,
    ) -> HttpResponse:
        request = self.request
        bound = {self.bound_key(form): form} if form is not None else {}
        if not request.htmx:
            if form is None:
                return redirect(ticket.get_absolute_url() + self.anchor)
            context = ticket_context(request, load_ticket(request, ticket.pk), bound)
            return render(request, "tickets/ticket_detail.html", context, status=status)
        context = ticket_context(request, load_ticket(request, ticket.pk), bound)
        context["parts"] = [PART_TEMPLATES[part] for part in parts]
        response = render(request, "tickets/partials/_update.html", context, status=status)
        if form is None:
            response["HX-Trigger"] = "ticket-changed"  # for anything else on the page
        return response

    def bound_key(self, form: Any) -> str:
        return self.form_key


class TicketReply(TicketChange):
    """A public reply or an internal note, with files."""

    form_part = "reply"
    parts = ("header", "comments", "reply", "sidebar", "history")
    anchor = "#conversation"

    def bound_key(self, form: Any) -> str:
        return "reply"

    def get_form(self, ticket: Ticket) -> ReplyForm:
        return ReplyForm(self.request.POST, self.request.FILES, actor=self.request.user)

    def perform(self, ticket: Ticket, form: ReplyForm) -> str:
        user = self.request.user
        data = form.cleaned_data
        with transaction.atomic():  # the reply and its files, or nothing
            comment = actions.add_comment(
                ticket,
                actor=user,
                body=data["body"],
                public=form.public,
                time_spent_minutes=data.get("time_spent_minutes") or 0,
            )
            for upload in data.get("files") or []:
                actions.add_attachment(
                    ticket, actor=user, name=upload.name or "", stream=upload, comment=comment
                )
        return _("Reply sent.") if comment.public else _("Internal note added.")


class TicketTransition(TicketChange):
    """Assign, start, wait on the customer, resolve, close (confirm) or reopen."""

    form_part = "sidebar"
    parts = ("header", "summary", "comments", "sidebar", "history")

    def bound_key(self, form: Any) -> str:
        return f"transition:{form.to}"

    def get_form(self, ticket: Ticket) -> TransitionForm:
        to = self.request.POST.get("to", "")
        if to not in workflow.TARGETS:
            raise Http404
        return TransitionForm(self.request.POST, to=to, ticket=ticket, actor=self.request.user)

    def perform(self, ticket: Ticket, form: TransitionForm) -> str:
        ticket = actions.transition_ticket(ticket, actor=self.request.user, **form.arguments())
        return _("%(ref)s: %(state)s.") % {
            "ref": ticket.reference,
            "state": ticket.get_state_display(),
        }

    def success_parts(self, ticket: Ticket) -> tuple[str, ...]:
        after = Ticket.objects.filter(pk=ticket.pk).values_list("state", flat=True).get()
        if (self.before == TicketState.CLOSED) != (after == TicketState.CLOSED):
            return (*self.parts, "reply")  # the reply form comes or goes
        return self.parts


class TicketAnalysis(TicketChange):
    form_part = "analysis"
    parts = ("analysis", "history")
    form_key = "analysis"
    anchor = "#analysis"

    def get_form(self, ticket: Ticket) -> AnalysisForm:
        return AnalysisForm(self.request.POST, ticket=ticket)

    def perform(self, ticket: Ticket, form: AnalysisForm) -> str:
        changes = form.changes()
        if not changes:
            return ""
        actions.update_ticket(ticket, actor=self.request.user, **changes)
        return _("Analysis saved.")


class TicketLinkAdd(TicketChange):
    form_key = "link"
    anchor = "#links"

    def get_form(self, ticket: Ticket) -> LinkForm:
        return LinkForm(self.request.POST, ticket=ticket, actor=self.request.user)

    def perform(self, ticket: Ticket, form: LinkForm) -> str:
        user = self.request.user
        kind, target = form.cleaned_data["kind"], form.cleaned_data["reference"]
        if kind in ("problem", "parent"):
            actions.update_ticket(ticket, actor=user, **{kind: target})
        else:
            actions.link_tickets(ticket, target, actor=user, kind=kind)
        return _("Linked %(ref)s.") % {"ref": target.reference}


class TicketUnlink(TicketChange):
    """Remove a duplicate/related link (`link`), or the problem or parent (`field`)."""

    anchor = "#links"

    def get_form(self, ticket: Ticket) -> None:
        return None

    def perform(self, ticket: Ticket, form: None) -> str:
        user = self.request.user
        field = self.request.POST.get("field", "")
        if field in ("problem", "parent"):
            actions.update_ticket(ticket, actor=user, **{field: None})
            return _("Link removed.")
        link = (
            TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
            .filter(pk=self.request.POST.get("link") or 0)
            .select_related("source", "target")
            .first()
        )
        if link is None:
            raise Http404
        actions.unlink_tickets(link, actor=user)
        return _("Link removed.")


class TicketAttach(TicketChange):
    form_key = "attachment"
    anchor = "#files"

    def get_form(self, ticket: Ticket) -> AttachmentForm:
        return AttachmentForm(self.request.POST, self.request.FILES, actor=self.request.user)

    def perform(self, ticket: Ticket, form: AttachmentForm) -> str:
        user = self.request.user
        public = not form.cleaned_data.get("internal")
        uploads = form.cleaned_data["files"]
        with transaction.atomic():  # all the files or none
            for upload in uploads:
                actions.add_attachment(
                    ticket, actor=user, name=upload.name or "", stream=upload, public=public
                )
        return ngettext("%(count)d file added.", "%(count)d files added.", len(uploads)) % {
            "count": len(uploads)
        }


class TicketSurvey(TicketChange):
    form_key = "survey"
    anchor = "#satisfaction"

    def get_form(self, ticket: Ticket) -> SurveyForm:
        return SurveyForm(self.request.POST)

    def perform(self, ticket: Ticket, form: SurveyForm) -> str:
        actions.answer_survey(
            ticket,
            actor=self.request.user,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
        return _("Thank you for your rating.")


def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    ticket = get_visible(Ticket.objects, request.user, pk)
    return attachment_response(request.user, ticket, attachment_id)


# --- raising and editing --------------------------------------------------------------


class TicketFormView(PermissionMixin, View):
    template_name = "tickets/ticket_form.html"

    def get_ticket(self, pk: int | None) -> Ticket | None:
        return load_ticket(self.request, pk) if pk is not None else None

    def render_form(self, form: TicketForm, ticket: Ticket | None) -> HttpResponse:
        title = _("Edit %(ticket)s") % {"ticket": ticket.reference} if ticket else _("New ticket")
        context = {"form": form, "ticket": ticket, "title": title}
        if self.request.htmx and not self.request.htmx.boosted:
            return render(self.request, "tickets/partials/_ticket_form.html", context)
        return render(self.request, self.template_name, context)

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        ticket = self.get_ticket(pk)
        initial = {}
        if ticket is None:
            initial = {k: v for k, v in request.GET.items() if k in ("type", "service", "category")}
        return self.render_form(
            TicketForm(actor=request.user, instance=ticket, initial=initial), ticket
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        ticket = self.get_ticket(pk)
        form = TicketForm(request.POST, actor=request.user, instance=ticket)
        if form.is_valid():
            try:
                if ticket is None:
                    saved = actions.create_ticket(actor=request.user, **form.create_arguments())
                    message = _("%(ref)s raised.") % {"ref": saved.reference}
                else:
                    changes = form.update_arguments()
                    saved = actions.update_ticket(ticket, actor=request.user, **changes)
                    message = _("%(ref)s saved.") % {"ref": saved.reference}
            except ValidationError as error:
                add_action_errors(form, error)
            else:
                messages.success(request, message)
                if request.htmx:
                    return HttpResponseClientRedirect(saved.get_absolute_url())
                return redirect(saved.get_absolute_url())
        return self.render_form(form, ticket)


class TicketCreate(TicketFormView):
    """Raise a ticket: customers' users for themselves, the service desk for anyone."""

    permission = "tickets.add_ticket"
    customers_allowed = True


class TicketEdit(TicketFormView):
    permission = "tickets.change_ticket"

    def get_ticket(self, pk: int | None) -> Ticket | None:
        if not actions.is_agent(self.request.user):
            raise PermissionDenied
        return super().get_ticket(pk)


class TicketCustomFields(PermissionMixin, View):
    """GET: the custom fields of the category chosen in the ticket form (htmx)."""

    customers_allowed = True

    def get(self, request: HttpRequest) -> HttpResponse:
        form = TicketForm(actor=request.user, initial=request.GET.dict())
        return render(request, "tickets/partials/_custom_fields.html", {"form": form})
