"""Tables of the webhook pages; rows come with what they show already fetched."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from yunwei.core.events import EventName
from yunwei.core.tables import TABLE_ATTRS
from yunwei.webhooks import guard
from yunwei.webhooks.models import TEST_EVENT, WebhookDelivery, WebhookSubscription

STATE_BADGES = {"pending": "bg-yellow-lt", "sent": "bg-green-lt", "failed": "bg-red-lt"}


def event_label(code: str) -> str:
    if code == TEST_EVENT:
        return str(_("Test message"))
    return str(dict(EventName.choices).get(code, code))


class WebhookTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=True)
    format = tables.Column(verbose_name=_("Format"))
    url = tables.Column(verbose_name=_("URL"), orderable=False)
    events = tables.Column(verbose_name=_("Events"), orderable=False)
    organization = tables.Column(verbose_name=_("Organization"), default=_("All"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        model = WebhookSubscription
        fields = ["name", "format", "url", "events", "organization", "is_active"]
        attrs = TABLE_ATTRS

    def render_url(self, value: str) -> Any:
        return format_html('<code class="text-secondary">{}</code>', guard.redacted(value))

    def render_events(self, value: list[str]) -> str:
        return ", ".join(event_label(code) for code in value)


class DeliveryTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    event = tables.Column(verbose_name=_("Event"))
    ticket = tables.Column(verbose_name=_("Ticket"), empty_values=(), orderable=False)
    state = tables.Column(verbose_name=_("State"))
    attempts = tables.Column(verbose_name=_("Attempts"))
    response_status = tables.Column(verbose_name=_("HTTP status"), default="—")
    last_error = tables.Column(verbose_name=_("Error"), orderable=False, default="")
    duration_ms = tables.Column(verbose_name=_("Duration (ms)"), default="—")
    redeliver = tables.TemplateColumn(
        template_name="webhooks/partials/_redeliver.html",
        verbose_name="",
        orderable=False,
        attrs={"td": {"class": "text-end w-1"}},
    )

    class Meta:
        model = WebhookDelivery
        fields = ["created_at", "event", "state", "attempts", "response_status", "duration_ms"]
        sequence = [
            "created_at",
            "event",
            "ticket",
            "state",
            "attempts",
            "response_status",
            "last_error",
            "duration_ms",
            "redeliver",
        ]
        attrs = TABLE_ATTRS
        row_attrs = {"data-testid": lambda record: f"delivery-{record.pk}"}

    def render_event(self, value: str) -> Any:
        return format_html('<span title="{}">{}</span>', value, event_label(value))

    def render_ticket(self, record: WebhookDelivery) -> Any:
        ticket = record.ticket
        if ticket is None:
            return "—"
        url = reverse("tickets:ticket", args=[ticket["id"]])
        return format_html('<a href="{}">{}</a>', url, ticket["reference"])

    def render_state(self, record: WebhookDelivery) -> Any:
        return format_html(
            '<span class="badge {}">{}</span>',
            STATE_BADGES.get(record.state, ""),
            record.get_state_display(),
        )

    def render_last_error(self, value: str) -> Any:
        return format_html(
            '<span class="text-danger" title="{}">{}</span>', value, truncatechars(value, 80)
        )
