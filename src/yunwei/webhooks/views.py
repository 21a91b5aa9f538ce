"""Webhook pages: the list, the form, a webhook with its delivery log, and the POST-only
commands (send a test, send a delivery again, new secret, delete). Thin: each calls an
action; administrators only (the `webhooks.*` permissions)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig, SingleTableView

from yunwei.core.views import ObjectFormView, PermissionMixin, visible
from yunwei.webhooks import actions
from yunwei.webhooks.forms import WebhookForm
from yunwei.webhooks.models import Format, WebhookDelivery, WebhookSubscription
from yunwei.webhooks.tables import DeliveryTable, WebhookTable, event_label

VIEW = "webhooks.view_webhooksubscription"
CHANGE = "webhooks.change_webhooksubscription"


def _subscription(user: Any, pk: int) -> WebhookSubscription:
    subscription = visible(WebhookSubscription, user).filter(pk=pk).first()
    if subscription is None:
        raise Http404
    return subscription


class WebhookList(PermissionMixin, SingleTableView):
    permission = VIEW
    model = WebhookSubscription
    table_class = WebhookTable
    table_pagination = {"per_page": 50}
    template_name = "webhooks/list.html"

    def get_queryset(self) -> QuerySet:
        return visible(WebhookSubscription, self.request.user).order_by("name", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["title"] = _("Webhooks")
        context["can_add"] = self.request.user.has_perm("webhooks.add_webhooksubscription")
        return context


class WebhookDetail(PermissionMixin, View):
    """The webhook, its secret (at will, with a copy button) and its delivery log."""

    permission = VIEW

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        user = request.user
        subscription = _subscription(user, pk)
        deliveries = (
            WebhookDelivery.objects.visible_to(user)
            .filter(subscription=subscription)
            .order_by("-created_at", "-pk")
        )
        can = {
            "change": user.has_perm(CHANGE),
            "delete": user.has_perm("webhooks.delete_webhooksubscription"),
        }
        table = DeliveryTable(deliveries)
        table.can = can  # read by the "send again" column
        RequestConfig(request, paginate={"per_page": 25}).configure(table)
        return render(
            request,
            "webhooks/detail.html",
            {
                "title": subscription.name,
                "object": subscription,
                "events": [event_label(code) for code in subscription.events],
                "table": table,
                "can": can,
                "is_generic": subscription.format == Format.GENERIC,
            },
        )


class WebhookEdit(ObjectFormView):
    model = WebhookSubscription
    form_class = WebhookForm
    permission = CHANGE
    template_name = "webhooks/form.html"

    def render_form(self, form: Any, obj: Any) -> HttpResponse:
        title = _("Edit %(object)s") % {"object": obj} if obj else _("New webhook")
        cancel = obj.get_absolute_url() if obj else reverse("webhooks:list")
        return render(
            self.request,
            self.template_name,
            {"form": form, "object": obj, "title": title, "cancel_url": cancel},
        )


class WebhookAdd(WebhookEdit):
    permission = "webhooks.add_webhooksubscription"


class Command(PermissionMixin, View):
    """A POST-only button on the webhook page: run the action, say how it went, and go
    back to the page."""

    http_method_names = ["post"]
    permission = CHANGE

    def run(self, subscription: WebhookSubscription, request: HttpRequest, **kwargs: Any) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
        subscription = _subscription(request.user, pk)
        try:
            messages.success(request, self.run(subscription, request, **kwargs))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(self.next_url(subscription))

    def next_url(self, subscription: WebhookSubscription) -> str:
        return subscription.get_absolute_url()


class WebhookTest(Command):
    def run(self, subscription: WebhookSubscription, request: HttpRequest, **kwargs: Any) -> str:
        actions.send_test(subscription, actor=request.user)
        return _("A test message is on its way; its result appears in the delivery log.")


class WebhookRotateSecret(Command):
    def run(self, subscription: WebhookSubscription, request: HttpRequest, **kwargs: Any) -> str:
        actions.rotate_secret(subscription, actor=request.user)
        return _("A new secret was made. Give it to the receiver: the old one no longer works.")


class WebhookDelete(Command):
    permission = "webhooks.delete_webhooksubscription"

    def run(self, subscription: WebhookSubscription, request: HttpRequest, **kwargs: Any) -> str:
        label = str(subscription)
        actions.delete_subscription(subscription, actor=request.user)
        return _("Deleted %(object)s.") % {"object": label}

    def next_url(self, subscription: WebhookSubscription) -> str:
        return reverse("webhooks:list")


class DeliveryRedeliver(Command):
    def run(self, subscription: WebhookSubscription, request: HttpRequest, **kwargs: Any) -> str:
        delivery = (
            WebhookDelivery.objects.visible_to(request.user)
            .filter(subscription=subscription, pk=kwargs["delivery_id"])
            .first()
        )
        if delivery is None:
            raise Http404
        actions.redeliver(delivery, actor=request.user)
        return _("The delivery is queued to be sent again.")
