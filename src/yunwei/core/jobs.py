"""Background work of the core: sealing the audit chain."""

from __future__ import annotations

from yunwei.core import audit
from yunwei.core.schedule import periodic


@periodic(seconds=2)
def seal_audit_chain() -> int:
    return audit.seal_pending()
