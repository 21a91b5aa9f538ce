"""Admin pages: the inbound mail log (quarantined first), one message with its headers
and text, re-processing; the sender domains. Thin: changes go through the actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from yunwei.core.views import (
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    PermissionMixin,
    visible,
)
from yunwei.inbound import actions, parse
from yunwei.inbound.filters import InboundMessageFilter, SenderDomainFilter
from yunwei.inbound.forms import SenderDomainForm
from yunwei.inbound.models import InboundMessage, SenderDomain
from yunwei.inbound.tables import InboundMessageTable, SenderDomainTable


class MessageList(ObjectListView):
    model = InboundMessage
    table_class = InboundMessageTable
    filterset_class = InboundMessageFilter
    permission = "inbound.view_inboundmessage"

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().quarantined_first()


class MessageDetail(ObjectDetailView):
    model = InboundMessage
    permission = "inbound.view_inboundmessage"
    template_name = "inbound/message_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(read_message(self.object))
        context["can_reprocess"] = (
            self.request.user.has_perm("inbound.change_inboundmessage")
            and self.object.state in actions.REPROCESSABLE
            and not self.object.truncated
        )
        return context


def read_message(row: InboundMessage) -> dict[str, Any]:
    """Headers and text for the detail page; a message that cannot be parsed shows what
    could be read and why."""
    raw = bytes(row.raw)
    try:
        mail = parse.parse(raw)
    except Exception as error:  # shown to the admin, as the quarantine was
        return {"headers": [], "text": "", "attachments": [], "parse_error": str(error)}
    return {
        "headers": parse.headers(mail.message),
        "text": mail.text,
        "attachments": mail.attachments,
        "parse_error": "",
    }


class MessageRaw(PermissionMixin, View):
    """The message as received, to open in a mail program (.eml)."""

    permission = "inbound.view_inboundmessage"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = visible(InboundMessage, request.user).filter(pk=pk).first()
        if row is None:
            raise Http404
        response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{row.pk}.eml"'
        return response


class MessageReprocess(PermissionMixin, View):
    http_method_names = ["post"]
    permission = "inbound.change_inboundmessage"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = visible(InboundMessage, request.user).filter(pk=pk).first()
        if row is None:
            raise Http404
        try:
            row = actions.reprocess_message(row, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(row)
        result = _("Processed again: %(state)s.") % {"state": row.get_state_display()}
        (messages.success if row.state in {"ticket", "comment"} else messages.warning)(
            request, result
        )
        return redirect(row)


class SenderDomainList(ObjectListView):
    model = SenderDomain
    table_class = SenderDomainTable
    filterset_class = SenderDomainFilter
    permission = "inbound.view_senderdomain"
    add_url_name = "inbound:sender_domain_add"
    add_permission = "inbound.add_senderdomain"


class SenderDomainEdit(ObjectFormView):
    model = SenderDomain
    form_class = SenderDomainForm
    permission = "inbound.change_senderdomain"
    template_name = "inbound/sender_domain_form.html"

    def render_form(self, form: Any, obj: Model | None) -> HttpResponse:
        title = _("Edit %(object)s") % {"object": obj} if obj else _("New sender domain")
        can_delete = obj is not None and self.request.user.has_perm("inbound.delete_senderdomain")
        context = {"form": form, "object": obj, "title": title, "can_delete": can_delete}
        return render(self.request, self.template_name, context)


class SenderDomainAdd(SenderDomainEdit):
    permission = "inbound.add_senderdomain"


class SenderDomainDelete(PermissionMixin, View):
    http_method_names = ["post"]
    permission = "inbound.delete_senderdomain"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        row = visible(SenderDomain, request.user).filter(pk=pk).first()
        if row is None:
            raise Http404
        actions.delete_sender_domain(row, actor=request.user)
        messages.success(request, _("Deleted %(object)s.") % {"object": row})
        return redirect("inbound:sender_domain_list")
