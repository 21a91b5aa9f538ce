"""Sending deliveries: one call per claimed row, through the channel of the webhook's
format and the address guard, with the answer written to the delivery log.

Rows are claimed with a lease (core/outbox.py): the task enqueued when the event commits
sends at once, the periodic sweep (jobs.py) sends what is due again — after a failure,
or when a worker died mid-call and its lease ran out — with the same idempotency key."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from yunwei.core import outbox
from yunwei.webhooks import channels, guard
from yunwei.webhooks.models import EXCERPT_CHARS, TEST_EVENT, WebhookDelivery

logger = logging.getLogger(__name__)


def send(item: WebhookDelivery) -> None:
    """Sends one claimed row and records the outcome (never raises)."""
    try:
        _send(item)
    except Exception as error:  # a bug must not leave the row leased, or stop a sweep
        logger.exception("webhook delivery %s failed unexpectedly", item.pk)
        outbox.failed(item, _("Internal error: %(error)r") % {"error": error})


def _send(item: WebhookDelivery) -> None:
    subscription = item.subscription
    if not subscription.is_active and item.event != TEST_EVENT:
        outbox.failed(item, _("The webhook is inactive."), permanent=True)
        return
    channel = channels.for_format(subscription.format)
    outgoing = channel.build(subscription, item, now=timezone.now())
    try:
        answer = guard.post(
            outgoing.url,
            headers=outgoing.headers,
            body=outgoing.body,
            allow_private=subscription.allow_private_network,
        )
    except guard.DeliveryError as error:
        outbox.failed(
            item,
            str(error),
            permanent=error.permanent,
            response_status=None,
            response_excerpt="",
            duration_ms=None,
        )
        return
    fields: dict[str, Any] = {
        "response_status": answer.status,
        "response_excerpt": answer.body.decode("utf-8", "replace")[:EXCERPT_CHARS],
        "duration_ms": answer.duration_ms,
    }
    problem = channel.judge(answer)
    if problem:
        outbox.failed(item, problem.message, permanent=problem.permanent, **fields)
    else:
        outbox.succeeded(item, **fields)


def claimed(delivery_id: int) -> WebhookDelivery | None:
    item = outbox.claim(WebhookDelivery, delivery_id)
    if item is not None:
        item = WebhookDelivery.objects.select_related("subscription").get(pk=item.pk)
    return item


@task()
def deliver(delivery_id: int) -> bool:
    """Sends one delivery now, if it is due and no other worker holds it."""
    item = claimed(delivery_id)
    if item is None:
        return False
    send(item)
    return True


def send_due() -> int:
    """The sweep: every due row (retries, rows of a worker that died)."""
    return outbox.send_due(WebhookDelivery, send)
