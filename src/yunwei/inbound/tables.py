from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from yunwei.core.tables import TABLE_ATTRS
from yunwei.inbound.models import InboundMessage, SenderDomain


class InboundMessageTable(tables.Table):
    received_at = tables.DateTimeColumn(format="Y-m-d H:i", linkify=True)
    subject = tables.Column(linkify=True)
    ticket = tables.Column(linkify=True)

    class Meta:
        model = InboundMessage
        fields = ["received_at", "state", "sender", "subject", "ticket", "source"]
        attrs = TABLE_ATTRS
        orderable = False  # quarantined first, then the newest


class SenderDomainTable(tables.Table):
    domain = tables.Column(linkify=("inbound:sender_domain_edit", {"pk": tables.A("pk")}))
    organization = tables.Column(linkify=True)
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Created"))

    class Meta:
        model = SenderDomain
        fields = ["domain", "organization", "created_at"]
        attrs = TABLE_ATTRS
