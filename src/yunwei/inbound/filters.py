from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from yunwei.inbound.models import InboundMessage, InboundState, SenderDomain


class InboundMessageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    state = django_filters.ChoiceFilter(choices=InboundState.choices, label=_("State"))

    class Meta:
        model = InboundMessage
        fields = ["q", "state"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(sender__icontains=value) | Q(subject__icontains=value) | Q(message_id=value)
        )


class SenderDomainFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="domain", lookup_expr="icontains")

    class Meta:
        model = SenderDomain
        fields = ["q", "organization"]
