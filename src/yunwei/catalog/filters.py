from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.filters import SearchFilterSet
from yunwei.accounts.models import Organization, Team
from yunwei.catalog.models import Service, ServiceCategory, ServiceStatus


class ServiceFilter(SearchFilterSet):
    search_fields = ("code", "name_zh", "name_en")
    category = django_filters.ChoiceFilter(choices=ServiceCategory.choices, label=_("Category"))
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices, label=_("Status"))
    owner_team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.none(), label=_("Owner team")
    )
    organization = django_filters.ModelChoiceFilter(
        field_name="organizations",
        queryset=Organization.objects.none(),
        label=_("Customer"),
        distinct=True,
    )

    class Meta:
        model = Service
        fields = ["q", "category", "status", "owner_team", "organization"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_provider_staff:
            self.filters["owner_team"].queryset = Team.objects.visible_to(user)  # type: ignore[attr-defined]
            self.filters["organization"].queryset = Organization.objects.visible_to(user)  # type: ignore[attr-defined]
        else:
            # Customers see neither the provider's teams nor other subscribers.
            del self.filters["owner_team"]
            del self.filters["organization"]
