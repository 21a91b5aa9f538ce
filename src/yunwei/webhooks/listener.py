"""Turns domain events into deliveries: one row per active subscription to the event,
written in the event's transaction, and a task to send it once that commits."""

from __future__ import annotations

from typing import Any

from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.events import Event
from yunwei.webhooks.delivery import deliver
from yunwei.webhooks.models import WebhookDelivery, WebhookSubscription


def stored_payload(event: Event) -> dict[str, Any]:
    actor = event.actor
    return {
        "occurred_at": event.at.isoformat(),
        "actor": {"id": actor.pk, "name": str(actor)} if actor is not None else None,
        "data": event.payload,
        "details": event.data,
    }


def wants(subscription: WebhookSubscription, event: Event) -> bool:
    if event.name not in (subscription.events or []):
        return False
    if subscription.organization_id is None:
        return True
    return subscription.organization_id == getattr(event.obj, "organization_id", None)


def on_event(event: Event) -> None:
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        if wants(subscription, event)
    ]
    if not subscriptions:
        return
    payload = stored_payload(event)
    # One INSERT for them all; each row still gets its own idempotency key (`key`'s
    # default is drawn per instance). PostgreSQL and SQLite return the new ids.
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event=event.name, payload=payload)
        for subscription in subscriptions
    )
    for row in rows:
        enqueue_on_commit(deliver, delivery_id=row.pk)
