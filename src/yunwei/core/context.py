"""Who is acting, through which channel, in which request — for the audit trail.

Set by the web middleware, the API, the CLI and the worker; read by `audit.record`.
Context variables keep this correct across threads and async tasks.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    source: str = "system"  # web, api, cli, email, job, system
    request_id: str = ""
    ip_address: str | None = None


_origin: ContextVar[Origin] = ContextVar("yunwei_origin", default=Origin())  # noqa: B039 - frozen


def current_origin() -> Origin:
    return _origin.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def origin(source: str, *, request_id: str = "", ip_address: str | None = None) -> Iterator[Origin]:
    value = Origin(source=source, request_id=request_id or new_request_id(), ip_address=ip_address)
    token = _origin.set(value)
    try:
        yield value
    finally:
        _origin.reset(token)
