"""Outboxes: messages to send (e-mail, webhook calls) written in the transaction of the
event they tell about, and sent afterwards by the worker.

A row is claimed with a conditional UPDATE that takes a lease: two workers never send
the same row at once, and a worker killed mid-send leaves a lease that runs out, after
which the row is sent again. So a message is never lost, and may, rarely, go twice: each
carries its row's `key` (an idempotency key) for the receiver to drop the second.
Failures are retried with growing pauses up to a limit, then the row is marked failed
(visible in the delivery log, and re-sendable by hand).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Pauses before the 2nd, 3rd… attempt: about two days of trying in all.
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
# Longer than any single send may take (time-outs are far shorter).
LEASE = dt.timedelta(minutes=5)


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxItem(models.Model):
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="%(class)s_due",  # Django caps index names at 30 characters
                condition=Q(state="pending"),
            )
        ]


Item = TypeVar("Item", bound=OutboxItem)


def claim(model: type[Item], pk: int, *, now: dt.datetime | None = None) -> Item | None:
    """Takes the lease on a due row; None when it is not due or another worker has it."""
    now = now or timezone.now()
    taken = (
        model._default_manager.filter(pk=pk, state=OutboxState.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .update(leased_until=now + LEASE, attempts=F("attempts") + 1)
    )
    return model._default_manager.get(pk=pk) if taken else None


def due_ids(model: type[OutboxItem], *, now: dt.datetime | None = None, limit: int = 200) -> list:
    """Rows whose attempt is due and whose lease (if any) has run out, oldest first."""
    now = now or timezone.now()
    return list(
        model._default_manager.filter(state=OutboxState.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _ours(item: OutboxItem) -> Any:
    """The row, if our lease on it still holds: a worker that overran its lease (and
    whose row another worker took) must not overwrite that worker's outcome."""
    return type(item)._default_manager.filter(pk=item.pk, leased_until=item.leased_until)


def succeeded(item: OutboxItem, **fields: Any) -> None:
    now = timezone.now()
    _ours(item).update(
        state=OutboxState.SENT, sent_at=now, leased_until=None, last_error="", **fields
    )


def failed(
    item: OutboxItem,
    error: str,
    *,
    permanent: bool = False,
    max_attempts: int = MAX_ATTEMPTS,
    **fields: Any,
) -> None:
    """Schedules the next attempt, or gives up after the last one (or at once when the
    error will not go away by trying again: a refused address, a rejected recipient)."""
    now = timezone.now()
    give_up = permanent or item.attempts >= max_attempts
    pause = BACKOFF_SECONDS[min(item.attempts, len(BACKOFF_SECONDS)) - 1]
    _ours(item).update(
        state=OutboxState.FAILED if give_up else OutboxState.PENDING,
        next_attempt_at=now if give_up else now + dt.timedelta(seconds=pause),
        leased_until=None,
        last_error=error[:2000],
        **fields,
    )


def retry(item: OutboxItem) -> None:
    """Sends a failed (or sent) row again, by hand: a fresh round of attempts."""
    type(item)._default_manager.filter(pk=item.pk).update(
        state=OutboxState.PENDING, attempts=0, next_attempt_at=timezone.now(), leased_until=None
    )


def send_due(model: type[Item], send: Callable[[Item], None], *, limit: int = 200) -> int:
    """The sweep: claims and sends every due row; `send` reports through `succeeded` /
    `failed`. Returns how many were tried."""
    tried = 0
    for pk in due_ids(model, limit=limit):
        item = claim(model, pk)
        if item is not None:
            send(item)
            tried += 1
    return tried
