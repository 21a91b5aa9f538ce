"""Service desk settings — categories and their custom fields, the priority matrix,
canned responses, assignment rules — and the satisfaction report.

Thin: the forms call the configuration actions (which check permissions, validate and
audit); the report aggregates in SQL, a fixed number of queries whatever the number of
surveys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import (
    Avg,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Model,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import SingleTableView

from yunwei.accounts.models import User
from yunwei.catalog.querysets import prefers_chinese
from yunwei.core.views import ObjectFormView, PermissionMixin, visible
from yunwei.tickets import actions
from yunwei.tickets.forms_config import (
    AssignmentRuleForm,
    CannedResponseForm,
    CategoryForm,
    PriorityMatrixForm,
    SatisfactionFilterForm,
    category_tree,
)
from yunwei.tickets.models import AssignmentRule, CannedResponse, Category, Survey, Ticket
from yunwei.tickets.tables_config import AssignmentRuleTable, CannedResponseTable, CategoryTable


def manageable_canned_responses(user: Any) -> QuerySet:
    """What the settings pages list and edit: administrators (who may also delete them)
    manage every team's canned responses; a team lead those `visible_to` gives — the
    shared ones and their own teams'."""
    if user.has_perm("tickets.delete_cannedresponse"):
        return CannedResponse.objects.all()
    return CannedResponse.objects.visible_to(user)


# --- the overview ------------------------------------------------------------------------


class Settings(PermissionMixin, TemplateView):
    """The service desk's settings, one card per section."""

    permission = "tickets.change_category"
    template_name = "tickets/config/settings.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sections = [
            {
                "key": "categories",
                "title": _("Categories"),
                "icon": "ti-category",
                "url": reverse("tickets:category_list"),
                "allowed": user.has_perm("tickets.change_category"),
                "count": Category.objects.visible_to(user).count(),
                "text": _(
                    "The category tree, the ticket types each category is for and the "
                    "custom fields its tickets carry."
                ),
            },
            {
                "key": "priority-matrix",
                "title": _("Priority matrix"),
                "icon": "ti-grid-dots",
                "url": reverse("tickets:priority_matrix"),
                "allowed": user.has_perm("tickets.change_prioritycell"),
                "count": None,
                "text": _("Which priority a ticket gets from its impact and urgency."),
            },
            {
                "key": "canned-responses",
                "title": _("Canned responses"),
                "icon": "ti-message-dots",
                "url": reverse("tickets:canned_response_list"),
                "allowed": user.has_perm("tickets.change_cannedresponse"),
                "count": manageable_canned_responses(user).count(),
                "text": _("Ready-made replies for every agent or for one team."),
            },
            {
                "key": "assignment-rules",
                "title": _("Assignment rules"),
                "icon": "ti-route",
                "url": reverse("tickets:assignment_rule_list"),
                "allowed": user.has_perm("tickets.change_assignmentrule"),
                "count": AssignmentRule.objects.count(),
                "text": _("Which team receives a new ticket, and how a member is picked."),
            },
        ]
        context["title"] = _("Ticket settings")
        context["sections"] = [section for section in sections if section["allowed"]]
        context["can_view_satisfaction"] = user.has_perm("tickets.view_survey")
        return context


# --- shared list, form and delete views -----------------------------------------------------


class ConfigListView(PermissionMixin, SingleTableView):
    template_name = "tickets/config/list.html"
    table_pagination: Any = False
    title: Any = ""
    intro: Any = ""
    icon = ""
    add_url_name = ""
    add_permission = ""
    delete_permission = ""

    def get_queryset(self) -> QuerySet:
        return visible(self.model, self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["title"] = self.title
        context["intro"] = self.intro
        context["icon"] = self.icon
        context["add_url_name"] = self.add_url_name
        context["can"] = {
            "add": user.has_perm(self.add_permission),
            "delete": user.has_perm(self.delete_permission),
            "settings": user.has_perm("tickets.change_category"),
        }
        return context


class ConfigFormView(ObjectFormView):
    """Create or edit; after saving, back to the section's list."""

    template_name = "tickets/config/form.html"
    list_url_name = ""
    section_title: Any = ""

    def render_form(self, form: Any, obj: Model | None) -> HttpResponse:
        title = (
            _("Edit %(object)s") % {"object": obj}
            if obj
            else _("New %(model)s") % {"model": self.model._meta.verbose_name}
        )
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": obj,
                "title": title,
                "section_title": self.section_title,
                "list_url": reverse(self.list_url_name),
                "cancel_url": reverse(self.list_url_name),
                "can_open_settings": self.request.user.has_perm("tickets.change_category"),
            },
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get_object(pk)
        form = self.form_class(request.POST, instance=obj, **self.form_kwargs())
        saved = form.save(actor=request.user) if form.is_valid() else None
        if saved is None:
            return self.render_form(form, obj)
        messages.success(request, _("Saved %(object)s.") % {"object": saved})
        return redirect(self.list_url_name)


class ConfigDeleteView(PermissionMixin, View):
    """POST only: delete through the action; a refusal (still in use) is the message."""

    http_method_names = ["post"]
    model: type[Model]
    list_url_name = ""

    def get_queryset(self) -> QuerySet:
        return visible(self.model, self.request.user)

    def remove(self, obj: Any, *, actor: User) -> None:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise Http404
        label = str(obj)
        try:
            self.remove(obj, actor=request.user)
        except ValidationError as error:
            messages.error(
                request,
                _("%(object)s was not deleted: %(reason)s")
                % {"object": label, "reason": " ".join(error.messages)},
            )
        else:
            messages.success(request, _("Deleted %(object)s.") % {"object": label})
        return redirect(self.list_url_name)


# --- categories ------------------------------------------------------------------------------


class CategoryList(ConfigListView):
    model = Category
    table_class = CategoryTable
    permission = "tickets.change_category"
    title = gettext_lazy("Categories")
    intro = gettext_lazy(
        "Categories form a tree. A category is offered for the ticket types ticked (all "
        "when none is) and adds its custom fields to the ticket form."
    )
    icon = "ti-category"
    add_url_name = "tickets:category_add"
    add_permission = "tickets.add_category"
    delete_permission = "tickets.delete_category"

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("parent")

    def get_table_data(self) -> list[Category]:
        rows = []
        for category, depth in category_tree(self.get_queryset()):
            category.depth = depth  # type: ignore[attr-defined]
            rows.append(category)
        return rows


class CategoryEdit(ConfigFormView):
    model = Category
    form_class = CategoryForm
    permission = "tickets.change_category"
    template_name = "tickets/config/category_form.html"
    fields_template = "tickets/config/partials/_custom_fields.html"
    list_url_name = "tickets:category_list"
    section_title = gettext_lazy("Categories")

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        if "add_field" not in request.POST:
            return super().post(request, pk)
        # "Add a field": the same form again with one more empty row, nothing saved.
        obj = self.get_object(pk)
        form = self.form_class(request.POST, instance=obj, add_field=True, **self.form_kwargs())
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, self.fields_template, {"form": form})
        return self.render_form(form, obj)


class CategoryAdd(CategoryEdit):
    permission = "tickets.add_category"


class CategoryDelete(ConfigDeleteView):
    model = Category
    permission = "tickets.delete_category"
    list_url_name = "tickets:category_list"

    def remove(self, obj: Any, *, actor: User) -> None:
        actions.delete_category(obj, actor=actor)


# --- the priority matrix ------------------------------------------------------------------


class PriorityMatrix(PermissionMixin, View):
    """The impact × urgency grid. Saving from the page (htmx) returns the grid alone."""

    permission = "tickets.change_prioritycell"
    template_name = "tickets/config/priority_matrix.html"
    fragment_template = "tickets/config/partials/_priority_matrix.html"

    def respond(self, form: PriorityMatrixForm, *, saved: bool = False) -> HttpResponse:
        context = {
            "form": form,
            "saved": saved,
            "title": _("Priority matrix"),
            "can_open_settings": self.request.user.has_perm("tickets.change_category"),
        }
        htmx: Any = getattr(self.request, "htmx", False)
        if htmx and not htmx.boosted:
            response = render(self.request, self.fragment_template, context)
            if saved:
                response["HX-Trigger"] = "priorityMatrixSaved"
            return response
        return render(self.request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.respond(PriorityMatrixForm(actor=request.user))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PriorityMatrixForm(request.POST, actor=request.user)
        saved = form.save(actor=request.user) if form.is_valid() else None
        if saved is None:
            return self.respond(form)
        if getattr(request, "htmx", False):
            return self.respond(PriorityMatrixForm(actor=request.user), saved=True)
        messages.success(request, _("The priority matrix is saved."))
        return redirect("tickets:priority_matrix")


# --- canned responses -------------------------------------------------------------------------


class CannedResponseList(ConfigListView):
    model = CannedResponse
    table_class = CannedResponseTable
    table_pagination = {"per_page": 50}
    permission = "tickets.change_cannedresponse"
    title = gettext_lazy("Canned responses")
    intro = gettext_lazy(
        "Ready-made replies agents insert into a ticket's conversation: shared with every "
        "agent, or kept for one team."
    )
    icon = "ti-message-dots"
    add_url_name = "tickets:canned_response_add"
    add_permission = "tickets.add_cannedresponse"
    delete_permission = "tickets.delete_cannedresponse"

    def get_queryset(self) -> QuerySet:
        return (
            manageable_canned_responses(self.request.user)
            .select_related("team")
            .order_by("title", "pk")
        )


class CannedResponseEdit(ConfigFormView):
    model = CannedResponse
    form_class = CannedResponseForm
    permission = "tickets.change_cannedresponse"
    list_url_name = "tickets:canned_response_list"
    section_title = gettext_lazy("Canned responses")

    def get_object(self, pk: int | None) -> Model | None:
        if pk is None:
            return None
        response = manageable_canned_responses(self.request.user).filter(pk=pk).first()
        if response is None:
            raise Http404
        return response


class CannedResponseAdd(CannedResponseEdit):
    permission = "tickets.add_cannedresponse"


class CannedResponseDelete(ConfigDeleteView):
    model = CannedResponse
    permission = "tickets.delete_cannedresponse"
    list_url_name = "tickets:canned_response_list"

    def get_queryset(self) -> QuerySet:
        return manageable_canned_responses(self.request.user)

    def remove(self, obj: Any, *, actor: User) -> None:
        actions.delete_canned_response(obj, actor=actor)


# --- assignment rules --------------------------------------------------------------------------


class AssignmentRuleList(ConfigListView):
    model = AssignmentRule
    table_class = AssignmentRuleTable
    permission = "tickets.change_assignmentrule"
    title = gettext_lazy("Assignment rules")
    intro = gettext_lazy(
        "A new ticket nobody assigned goes to the first active rule, by order, whose "
        "conditions all match; an empty condition matches any ticket."
    )
    icon = "ti-route"
    add_url_name = "tickets:assignment_rule_add"
    add_permission = "tickets.add_assignmentrule"
    delete_permission = "tickets.delete_assignmentrule"

    def get_queryset(self) -> QuerySet:
        return AssignmentRule.objects.select_related(
            "service", "category", "organization", "team"
        ).order_by("order", "id")


class AssignmentRuleEdit(ConfigFormView):
    model = AssignmentRule
    form_class = AssignmentRuleForm
    permission = "tickets.change_assignmentrule"
    list_url_name = "tickets:assignment_rule_list"
    section_title = gettext_lazy("Assignment rules")

    def get_object(self, pk: int | None) -> Model | None:
        if pk is None:
            return None
        rule = AssignmentRule.objects.filter(pk=pk).first()
        if rule is None:
            raise Http404
        return rule


class AssignmentRuleAdd(AssignmentRuleEdit):
    permission = "tickets.add_assignmentrule"


class AssignmentRuleDelete(ConfigDeleteView):
    model = AssignmentRule
    permission = "tickets.delete_assignmentrule"
    list_url_name = "tickets:assignment_rule_list"

    def get_queryset(self) -> QuerySet:
        return AssignmentRule.objects.all()  # the provider's configuration: no scoping

    def remove(self, obj: Any, *, actor: User) -> None:
        actions.delete_assignment_rule(obj, actor=actor)


# --- the satisfaction report ------------------------------------------------------------------

SCORES = (1, 2, 3, 4, 5)
ANSWERED = Q(answered_at__isnull=False, score__isnull=False)


def period_filters(start: dt.date | None, end: dt.date | None) -> tuple[Q, Q]:
    """Answered, and asked, between two days inclusive in the current time zone."""
    zone = timezone.get_current_timezone()
    answered, asked = Q(), Q()
    # Days outside any survey's lifetime bound nothing (and would overflow).
    start = start if start is not None and start.year >= 1900 else None
    end = end if end is not None and end.year <= 9998 else None
    if start is not None:
        since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
        answered &= Q(answered_at__gte=since)
        asked &= Q(requested_at__gte=since)
    if end is not None:
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        answered &= Q(answered_at__lt=until)
        asked &= Q(requested_at__lt=until)
    return answered, asked


def _percent(part: Any, whole: Any) -> Any:
    """part / whole × 100 as a float, in SQL."""
    return ExpressionWrapper(
        Cast(part, FloatField()) * Value(100.0) / Cast(whole, FloatField()),
        output_field=FloatField(),
    )


def satisfaction_summary(surveys: QuerySet, answered_in: Q, asked_in: Q) -> dict[str, Any]:
    """One query: surveys asked in the period and how many of those were answered (the
    response rate), and over those answered in the period the average, the share of
    4–5 and the count of each score."""
    answered = ANSWERED & answered_in
    totals = surveys.aggregate(
        asked=Count("pk", filter=asked_in or None),
        responded=Count("pk", filter=ANSWERED & asked_in),
        answered=Count("pk", filter=answered),
        average=Avg("score", filter=answered),
        satisfied=Count("pk", filter=answered & Q(score__gte=4)),
        **{f"score_{n}": Count("pk", filter=answered & Q(score=n)) for n in SCORES},
    )
    asked, responded, count = totals["asked"], totals["responded"], totals["answered"]
    return {
        "asked": asked,
        "responded": responded,
        "answered": count,
        "average": totals["average"],
        "response_rate": 100.0 * responded / asked if asked else None,
        "satisfied_percent": 100.0 * totals["satisfied"] / count if count else None,
        "distribution": [{"score": n, "count": totals[f"score_{n}"]} for n in SCORES],
    }


def satisfaction_by(answered: QuerySet, key: str, label: Any) -> list[dict[str, Any]]:
    """Per group (agent, team or service): answers, average and % of 4–5, in SQL."""
    return list(
        answered.values(ident=F(key), label=label)
        .annotate(
            count=Count("pk"),
            average=Avg("score"),
            satisfied_percent=_percent(Count("pk", filter=Q(score__gte=4)), Count("pk")),
        )
        .order_by("-count", F("label").asc(nulls_last=True), "ident")
    )


def _name(*fields: str) -> Any:
    """The first non-empty of these text fields."""
    parts = [NullIf(F(field), Value("")) for field in fields[:-1]]
    return Coalesce(*parts, F(fields[-1]), output_field=CharField())


class Satisfaction(PermissionMixin, TemplateView):
    """Answered surveys: overall, per agent, team and service, and the latest comments."""

    permission = "tickets.view_survey"
    template_name = "tickets/config/satisfaction.html"
    latest_comments = 20

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = SatisfactionFilterForm(self.request.GET or None)
        start, end = form.period() if form.is_bound else (None, None)
        answered_in, asked_in = period_filters(start, end)
        surveys = Survey.objects.filter(ticket__in=Ticket.objects.visible_to(user))
        summary = satisfaction_summary(surveys, answered_in, asked_in)
        answered = surveys.filter(ANSWERED & answered_in)
        first, second = ("name_zh", "name_en") if prefers_chinese() else ("name_en", "name_zh")
        service = "ticket__service__"
        context.update(
            {
                "title": _("Customer satisfaction"),
                "filter_form": form,
                "start": start,
                "end": end,
                "summary": summary,
                "by_agent": satisfaction_by(
                    answered, "agent_id", _name("agent__name", "agent__email")
                ),
                "by_team": satisfaction_by(answered, "team_id", F("team__name")),
                "by_service": satisfaction_by(
                    answered,
                    "ticket__service_id",
                    _name(service + first, service + second, service + "code"),
                ),
                "comments": list(
                    answered.exclude(comment="")
                    .select_related("ticket", "agent")
                    .order_by("-answered_at", "-pk")[: self.latest_comments]
                ),
                "chart": {
                    "labels": [str(n) for n in SCORES],
                    "counts": [row["count"] for row in summary["distribution"]],
                    "name": _("Answers"),
                },
            }
        )
        return context
