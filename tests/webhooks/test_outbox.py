"""core.outbox with webhook deliveries: two workers never send one row, and a worker
killed mid-delivery neither loses nor duplicates it — the row goes again after its lease,
with the same idempotency key."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from tests.webhooks.conftest import Receiver
from yunwei.core import outbox
from yunwei.webhooks import actions, delivery
from yunwei.webhooks.models import WebhookDelivery


def queued(webhook: Any, admin: Any) -> WebhookDelivery:
    return actions.send_test(webhook, actor=admin)


def test_a_row_claimed_by_one_worker_is_not_claimed_by_another(
    make_webhook: Any, admin: Any
) -> None:
    row = queued(make_webhook(), admin)
    first = outbox.claim(WebhookDelivery, row.pk)
    second = outbox.claim(WebhookDelivery, row.pk)
    assert first is not None
    assert first.attempts == 1
    assert second is None
    assert outbox.due_ids(WebhookDelivery) == []


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database answers a second writer 'table is locked' at "
    "once instead of waiting; the race runs on PostgreSQL (YUNWEI_TEST_DATABASE_URL)",
)
def test_two_workers_racing_for_a_row_send_it_once(
    transactional_db: Any, audit_flushable: Any, make_webhook: Any, admin: Any, receiver: Receiver
) -> None:
    row = queued(make_webhook(), admin)
    start = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(delivery.deliver.call(delivery_id=row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(receiver.requests) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)


def test_a_worker_killed_mid_delivery_leaves_the_row_to_be_sent_again_with_its_key(
    make_webhook: Any, admin: Any, receiver: Receiver
) -> None:
    row = queued(make_webhook(), admin)
    # A worker claims the row, calls the receiver, and dies before recording the answer.
    claimed = delivery.claimed(row.pk)
    assert claimed is not None
    delivery.guard.post(
        claimed.subscription.url,
        **_request_of(claimed),
        allow_private=True,
    )
    assert delivery.send_due() == 0  # its lease still holds: nobody else sends it
    with time_machine.travel(timezone.now() + outbox.LEASE + dt.timedelta(seconds=1)):
        assert delivery.send_due() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 2)
    keys = [request.headers["idempotency-key"] for request in receiver.requests]
    assert keys == [str(row.key), str(row.key)]  # the receiver can drop the second


def test_a_worker_killed_before_calling_loses_nothing(
    make_webhook: Any, admin: Any, receiver: Receiver
) -> None:
    row = queued(make_webhook(), admin)
    assert delivery.claimed(row.pk) is not None  # and then the worker dies
    with time_machine.travel(timezone.now() + outbox.LEASE + dt.timedelta(seconds=1)):
        assert delivery.send_due() == 1
    assert [r.headers["idempotency-key"] for r in receiver.requests] == [str(row.key)]


def test_sending_a_failed_delivery_again_keeps_its_key_and_starts_afresh(
    make_webhook: Any, admin: Any, receiver: Receiver
) -> None:
    row = queued(make_webhook(is_active=True), admin)
    WebhookDelivery.objects.filter(pk=row.pk).update(state="failed", attempts=10)
    actions.redeliver(row, actor=admin)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)
    delivery.send_due()
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("sent", 1)
    assert receiver.requests[0].headers["idempotency-key"] == str(row.key)


def _request_of(item: WebhookDelivery) -> dict[str, Any]:
    from yunwei.webhooks import channels

    outgoing = channels.for_format(item.subscription.format).build(
        item.subscription, item, now=timezone.now()
    )
    return {"headers": outgoing.headers, "body": outgoing.body}
