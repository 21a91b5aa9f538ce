"""The queue's filters. The form is django-filter's; the filtering itself is the API's
(`api.filter_tickets` over a `TicketFilters`), so the page and `GET /api/v1/tickets`
answer the same question the same way. `view` adds the built-in views (mine, my team,
unassigned, breaching soon, open) and `q` the full-text search."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunwei.accounts.models import Organization, Team, User
from yunwei.catalog.models import Service
from yunwei.core.widgets import Autocomplete
from yunwei.sla.models import Priority
from yunwei.tickets import search
from yunwei.tickets.api import TicketFilters, filter_tickets
from yunwei.tickets.forms import category_choices, person_label, staff_users
from yunwei.tickets.models import Category, Channel, Level, Ticket, TicketState, TicketType

BREACHING_WITHIN = dt.timedelta(hours=2)

VIEW_CHOICES = [
    ("mine", _("Mine")),
    ("team", _("My teams")),
    ("unassigned", _("Unassigned")),
    ("breaching", _("Breaching soon")),
    ("open", _("All open")),
    ("requested", _("My requests")),
]
# Shown in the filter form's second row ("More filters").
MORE_FILTERS = (
    "type",
    "organization",
    "requester",
    "category",
    "tag",
    "channel",
    "impact",
    "urgency",
    "breached",
    "open",
    "unassigned",
    "known_error",
    "created_after",
    "created_before",
)


def _boolean(label: Any) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(label=label, widget=forms.NullBooleanSelect)


EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Search tickets… ( / )"),
                "autocomplete": "off",
            }
        ),
    )
    view = django_filters.ChoiceFilter(choices=VIEW_CHOICES, widget=forms.HiddenInput)
    # Rendered as dropdowns of checkboxes (tickets/partials/_multi_filter.html).
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=TicketState.choices)
    priority = django_filters.MultipleChoiceFilter(label=_("Priority"), choices=Priority.choices)
    service = django_filters.ModelChoiceFilter(label=_("Service"), queryset=Service.objects.none())
    # Thousands of agents and organizations: found by typing, only the chosen one is in the
    # page (services, teams and categories are few enough for a select).
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assignee"),
        queryset=User.objects.none(),
        widget=Autocomplete("agents", placeholder=_("Any")),
    )
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=Team.objects.none())
    type = django_filters.ChoiceFilter(label=_("Type"), choices=TicketType.choices)
    organization = django_filters.ModelChoiceFilter(
        label=_("Organization"),
        queryset=Organization.objects.none(),
        widget=Autocomplete("organizations", placeholder=_("Any")),
    )
    requester = django_filters.ModelChoiceFilter(
        label=_("Requester"), queryset=User.objects.none(), widget=forms.HiddenInput
    )
    problem = django_filters.ModelChoiceFilter(
        label=_("Problem"), queryset=Ticket.objects.none(), widget=forms.HiddenInput
    )
    category = django_filters.ChoiceFilter(label=_("Category"), choices=[])
    tag = django_filters.CharFilter(label=_("Tag"))
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    impact = django_filters.ChoiceFilter(label=_("Impact"), choices=Level.choices)
    urgency = django_filters.ChoiceFilter(label=_("Urgency"), choices=Level.choices)
    breached = _boolean(_("SLA breached"))
    open = _boolean(pgettext_lazy("ticket filter", "Open"))
    unassigned = _boolean(_("Unassigned"))
    known_error = _boolean(_("Known error"))
    created_after = django_filters.DateFilter(
        label=_("Created from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    created_before = django_filters.DateFilter(
        label=_("Created until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    STAFF_ONLY = ("assignee", "team", "organization", "unassigned")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = request.user
        self.user = user
        staff = user.is_provider_staff
        services = Service.objects.visible_to(user).order_by("code")
        self.filters["service"].queryset = services
        # The category tree, indented (a choice list: django-filter's model fields keep
        # the queryset's order).
        self.filters["category"].extra["choices"] = category_choices(
            Category.objects.visible_to(user)
        )
        self.filters["requester"].queryset = User.objects.visible_to(user)
        self.filters["problem"].queryset = Ticket.objects.visible_to(user).filter(type="problem")
        if staff:
            self.filters["assignee"].queryset = staff_users()
            self.filters["team"].queryset = Team.objects.visible_to(user)
            self.filters["organization"].queryset = Organization.objects.visible_to(user)
        else:
            # Teams, agents and other customers are the provider's business.
            for name in self.STAFF_ONLY:
                del self.filters[name]
            self.filters["type"].extra["choices"] = [
                c for c in TicketType.choices if c[0] != TicketType.PROBLEM
            ]

    @property
    def form(self) -> forms.Form:
        form = super().form
        if not getattr(self, "_labelled", False):
            self._labelled = True
            form.fields["service"].label_from_instance = lambda s: s.display_name
            if "assignee" in form.fields:
                form.fields["assignee"].label_from_instance = person_label
        return form

    @property
    def more_filters_used(self) -> bool:
        data = self.data or {}
        return any(data.get(name) not in (None, "", "unknown") for name in MORE_FILTERS)

    def _day(self, value: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
        """The start of a day (or of the next one) in the user's time zone."""
        if value is None or not EARLIEST <= value <= LATEST:
            return None  # outside any ticket's lifetime: no bound at all
        if next_day:
            value += dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(value, dt.time()))

    def parameters(self) -> TicketFilters:
        data = self.form.cleaned_data

        def pk(name: str) -> int | None:
            obj = data.get(name)
            return obj.pk if obj is not None else None

        return TicketFilters(
            type=data.get("type") or None,
            state=list(data.get("state") or []) or None,
            open=data.get("open"),
            priority=list(data.get("priority") or []) or None,
            impact=data.get("impact") or None,
            urgency=data.get("urgency") or None,
            channel=data.get("channel") or None,
            service=pk("service"),
            organization=pk("organization"),
            requester=pk("requester"),
            category=int(data["category"]) if data.get("category") else None,
            team=pk("team"),
            assignee=pk("assignee"),
            unassigned=data.get("unassigned"),
            tag=(data.get("tag") or "").strip() or None,
            breached=data.get("breached"),
            created_after=self._day(data.get("created_after")),
            created_before=self._day(data.get("created_before"), next_day=True),
            problem=pk("problem"),
            known_error=data.get("known_error"),
            q=(data.get("q") or "").strip() or None,
        )

    def apply_view(self, queryset: QuerySet, view: str | None) -> QuerySet:
        user = self.user
        if view == "mine":
            return queryset.open().filter(assignee=user)
        if view == "team":
            return queryset.open().filter(team__in=user.teams.all())
        if view == "unassigned":
            return queryset.open().filter(assignee__isnull=True)
        if view == "breaching":
            soon = timezone.now() + BREACHING_WITHIN
            return queryset.open().filter(Q(due_at__lt=soon) | Q(sla_breached=True))
        if view == "open":
            return queryset.open()
        if view == "requested":
            return queryset.filter(requester=user)
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        parameters = self.parameters()
        queryset = filter_tickets(queryset, parameters, self.user)
        queryset = self.apply_view(queryset, self.form.cleaned_data.get("view"))
        if parameters.q:
            queryset = search.search(queryset, parameters.q, user=self.user)
        return queryset
