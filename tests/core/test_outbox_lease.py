"""A worker that overran its lease does not overwrite the outcome of the worker that took
the row over (core.outbox; rows here are webhook deliveries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.utils import timezone

from tests.webhooks.conftest import make_webhook, receiver
from yunwei.core import outbox
from yunwei.webhooks import actions
from yunwei.webhooks.models import WebhookDelivery

__all__ = ["make_webhook", "receiver"]


def test_a_late_worker_does_not_undo_the_next_ones_outcome(make_webhook: Any, admin: Any) -> None:
    row = actions.send_test(make_webhook(), actor=admin)
    slow = outbox.claim(WebhookDelivery, row.pk)
    assert slow is not None
    with time_machine.travel(timezone.now() + outbox.LEASE + dt.timedelta(seconds=1)):
        fast = outbox.claim(WebhookDelivery, row.pk)
        assert fast is not None  # the lease ran out: another worker takes the row
        outbox.succeeded(fast)
        outbox.failed(slow, "connection reset")  # the first worker finally gives up
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")
