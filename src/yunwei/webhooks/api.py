"""/webhooks and their deliveries — administrators only; thin: parse, scope, call an
action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from yunwei.accounts.models import Organization
from yunwei.core.api_support import (
    ListParams,
    changes_of,
    get_visible,
    order,
    paginate,
    visible_ref,
)
from yunwei.core.permissions import require_permission
from yunwei.webhooks import actions
from yunwei.webhooks.models import WebhookDelivery, WebhookSubscription
from yunwei.webhooks.schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
)

router = Router(tags=["webhooks"])


class DeliveryParams(ListParams):
    state: str = ""
    event: str = ""


def _webhook(request: HttpRequest, webhook_id: int) -> WebhookSubscription:
    require_permission(request.user, "webhooks.view_webhooksubscription")
    return get_visible(WebhookSubscription.objects.for_list(), request.user, webhook_id)


@router.get("/webhooks", response=WebhookPage)
def list_webhooks(request: HttpRequest, params: Query[ListParams]) -> Any:
    require_permission(request.user, "webhooks.view_webhooksubscription")
    queryset = WebhookSubscription.objects.visible_to(request.user).for_list()
    return paginate(order(queryset, params.ordering, ["name", "created_at"], "name"), params)


@router.post("/webhooks", response={201: WebhookOut})
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Any:
    require_permission(request.user, "webhooks.add_webhooksubscription")
    fields = payload.dict()
    fields["organization"] = visible_ref(
        Organization, request.user, payload.organization, "organization"
    )
    return Status(201, actions.create_subscription(actor=request.user, **fields))


@router.get("/webhooks/{int:webhook_id}", response=WebhookOut)
def get_webhook(request: HttpRequest, webhook_id: int) -> Any:
    return _webhook(request, webhook_id)


@router.patch("/webhooks/{int:webhook_id}", response=WebhookOut)
def update_webhook(request: HttpRequest, webhook_id: int, payload: WebhookPatch) -> Any:
    webhook = _webhook(request, webhook_id)
    changes = changes_of(payload, nullable=["organization"])
    if "organization" in changes:
        changes["organization"] = visible_ref(
            Organization, request.user, changes["organization"], "organization"
        )
    return actions.update_subscription(webhook, actor=request.user, **changes)


@router.delete("/webhooks/{int:webhook_id}", response={204: None})
def delete_webhook(request: HttpRequest, webhook_id: int) -> Any:
    actions.delete_subscription(_webhook(request, webhook_id), actor=request.user)
    return Status(204, None)


@router.post("/webhooks/{int:webhook_id}/test", response={202: DeliveryOut})
def test_webhook(request: HttpRequest, webhook_id: int) -> Any:
    """Queues a test message; its outcome appears in the deliveries."""
    return Status(202, actions.send_test(_webhook(request, webhook_id), actor=request.user))


@router.get("/webhooks/{int:webhook_id}/deliveries", response=DeliveryPage)
def list_deliveries(request: HttpRequest, webhook_id: int, params: Query[DeliveryParams]) -> Any:
    webhook = _webhook(request, webhook_id)
    require_permission(request.user, "webhooks.view_webhookdelivery")
    queryset = WebhookDelivery.objects.visible_to(request.user).filter(subscription=webhook)
    if params.state:
        queryset = queryset.filter(state=params.state)
    if params.event:
        queryset = queryset.filter(event=params.event)
    ordered = order(queryset, params.ordering, ["created_at", "next_attempt_at"], "-created_at")
    return paginate(ordered, params)


@router.post(
    "/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}/redeliver",
    response={202: DeliveryOut},
)
def redeliver(request: HttpRequest, webhook_id: int, delivery_id: int) -> Any:
    webhook = _webhook(request, webhook_id)
    delivery = get_visible(
        WebhookDelivery.objects.filter(subscription=webhook), request.user, delivery_id
    )
    return Status(202, actions.redeliver(delivery, actor=request.user))
