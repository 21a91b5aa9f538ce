"""One ticket's page: what it shows (conversation, SLA timers, links, history) and the
changes made from it, each a POST calling an action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import View

from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service
from yunwei.core.api_support import get_visible
from yunwei.core.models import AuditEntry
from yunwei.core.permissions import require_read
from yunwei.core.views import PermissionMixin
from yunwei.sla.models import SlaRecord, reason_label
from yunwei.tickets import actions, history, workflow
from yunwei.tickets.api import attachment_response
from yunwei.tickets.forms import (
    TRANSITION_LABELS,
    AnalysisForm,
    AttachmentForm,
    LinkForm,
    ReplyForm,
    SurveyForm,
    TransitionForm,
    add_action_errors,
    custom_field_label,
    staff_users,
)
from yunwei.tickets.models import (
    CannedResponse,
    Category,
    Comment,
    FieldType,
    Tag,
    Ticket,
    TicketLink,
    TicketState,
    TicketType,
)
from yunwei.tickets.tables import sla_timers

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


def _actor(entry: AuditEntry, user: Any) -> str:
    """Who made a change, as the reader may know them: a customer's user sees the
    provider's staff by name only, never their e-mail addresses."""
    actor = entry.actor
    if user.is_provider_staff or actor is None or actor.organization_id == user.organization_id:
        return entry.actor_label
    return actor.name or _("Service desk")


def ticket_history(user: Any, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's history (`history.for_ticket`: its own entries and those of its
    comments, files and SLA clocks that the user may read), newest first, with old → new
    values spelled out. A customer's user gets none of the provider's own fields and no
    ticket they may not see, not even its number."""
    staff = user.is_provider_staff
    entries = list(history.for_ticket(ticket, user)[:HISTORY_LIMIT])
    # Time spent on a comment is its own (internal) entry: shown on the comment's row.
    minutes = {
        e.object_id: (e.changes["time_spent_minutes"] or [None, 0])[1]
        for e in entries
        if e.object_type == "tickets.comment" and set(e.changes or {}) == {"time_spent_minutes"}
    }
    entries = [e for e in entries if not (e.object_id in minutes and e.action == "update")]
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
        row: dict[str, Any] = {
            "entry": entry,
            "kind": entry.object_type.split(".")[-1],
            "actor": _actor(entry, user),
        }
        if entry.object_type == "tickets.comment":
            public = bool((changes.get("public") or [None, True])[1])
            row.update(
                public=public,
                body=(changes.get("body") or [None, ""])[1],
                minutes=minutes.get(entry.object_id, 0) if staff else 0,
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
        try:
            link_id = int(self.request.POST.get("link") or 0)
        except ValueError:
            raise Http404 from None
        link = (
            TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
            .filter(pk=link_id)
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
    """A ticket's file, to whoever may read the ticket (see `api.attachment_response`)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require_read(request.user, "tickets.view_ticket")
    ticket = get_visible(Ticket.objects, request.user, pk)
    return attachment_response(request.user, ticket, attachment_id)
