"""Enqueue background tasks only once the surrounding transaction commits, so a worker
never picks up work for rows that were rolled back or are not yet visible."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, /, **kwargs: Any) -> None:
    transaction.on_commit(partial(task.enqueue, **kwargs))
