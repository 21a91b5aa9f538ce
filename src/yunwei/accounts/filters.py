from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.models import Organization, OrganizationKind, Role, Team, User
from yunwei.accounts.roles import RoleCode


class SearchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    search_fields: tuple[str, ...] = ()

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class OrganizationFilter(SearchFilterSet):
    search_fields = ("name", "code")
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("Kind"))

    class Meta:
        model = Organization
        fields = ["q", "kind", "is_active"]


class UserFilter(SearchFilterSet):
    search_fields = ("email", "name")
    role = django_filters.ChoiceFilter(
        choices=RoleCode.choices, field_name="groups__role__code", label=_("Role"), distinct=True
    )

    class Meta:
        model = User
        fields = ["q", "organization", "role", "is_active"]

    def __init__(self, *args: object, request: object = None, **kwargs: object) -> None:
        super().__init__(*args, request=request, **kwargs)  # type: ignore[arg-type]
        if request is not None:
            self.filters["organization"].queryset = Organization.objects.visible_to(request.user)  # type: ignore[attr-defined]


class TeamFilter(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = Team
        fields = ["q"]


class RoleFilter(django_filters.FilterSet):
    class Meta:
        model = Role
        fields = ["require_two_factor"]
