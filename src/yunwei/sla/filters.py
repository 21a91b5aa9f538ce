from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.filters import SearchFilterSet
from yunwei.accounts.models import Organization, OrganizationKind
from yunwei.catalog.models import Service
from yunwei.sla.models import Agreement, Calendar, Outage

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(value: str | None) -> dt.date | None:
    """ "2026-05" -> 2026-05-01; None for anything else."""
    match = _MONTH.fullmatch((value or "").strip())
    if match is None or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2999:
        return None
    return dt.date(int(match[1]), int(match[2]), 1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


class MonthInput(forms.TextInput):
    input_type = "month"


class CalendarFilter(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = Calendar
        fields = ["q"]


def _customer_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name="organization", queryset=Organization.objects.none(), label=_("Customer")
    )


class _ScopedFilterSet(SearchFilterSet):
    """Services and customers offered as choices are those the user may see."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["service"].queryset = Service.objects.visible_to(user)  # type: ignore[attr-defined]
            self.filters["organization"].queryset = Organization.objects.visible_to(user).filter(  # type: ignore[attr-defined]
                kind=OrganizationKind.CUSTOMER
            )
            if "calendar" in self.filters:
                self.filters["calendar"].queryset = Calendar.objects.visible_to(user)  # type: ignore[attr-defined]


class AgreementFilter(_ScopedFilterSet):
    search_fields = ("name",)
    service = django_filters.ModelChoiceFilter(queryset=Service.objects.none(), label=_("Service"))
    organization = _customer_filter()
    calendar = django_filters.ModelChoiceFilter(
        queryset=Calendar.objects.none(), label=_("Calendar")
    )

    class Meta:
        model = Agreement
        fields = ["q", "service", "organization", "calendar", "is_active"]


class OutageFilter(_ScopedFilterSet):
    search_fields = ("incident_reference", "description")
    service = django_filters.ModelChoiceFilter(queryset=Service.objects.none(), label=_("Service"))
    organization = _customer_filter()
    month = django_filters.CharFilter(label=_("Month"), method="in_month", widget=MonthInput)

    class Meta:
        model = Outage
        fields = ["q", "service", "organization", "planned", "month"]

    def in_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Outages that overlap the month (in the user's time zone)."""
        month = parse_month(value)
        if month is None:
            return queryset.none()
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(month, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(next_month(month), dt.time(), tzinfo=zone)
        return queryset.filter(started_at__lt=end).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start)
        )
