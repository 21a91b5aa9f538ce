"""Audit entries of the generated tickets and comments, sealed into the chain as they are
written — exactly what `audit.record` followed by `audit.seal_pending` would store, so
`yunwei audit verify` checks them like any other entries.

The canonical JSON of `core.audit` (sorted keys, no spaces) is assembled from pieces
here, the entry's changes dumped once; the HMAC key is set up once and copied per entry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

from bench.gen_tickets import _iso
from yunwei.core import audit
from yunwei.core.models import AuditChainHead

AUDIT_COLUMNS = [
    "id", "created_at", "actor_id", "actor_label", "object_type", "object_id", "object_repr",
    "organization_id", "action", "changes", "source", "request_id", "ip_address", "seq",
    "prev_hash", "hash", "mac",
]  # fmt: skip


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Chain:
    """The chain head, carried from entry to entry."""

    def __init__(self) -> None:
        audit.seal_pending()  # entries written before the generator come first
        head = AuditChainHead.objects.filter(pk=1).first()
        self.seq = head.seq if head else 0
        self.hash = (head.hash if head else "") or audit.GENESIS_HASH
        self._key = hmac.new(settings.AUDIT_KEY.encode(), digestmod=hashlib.sha256)

    def _mac(self, message: str) -> str:
        mac = self._key.copy()
        mac.update(message.encode())
        return mac.hexdigest()

    def seal(self, entries: list[tuple[Any, ...]], stamp: Any) -> list[tuple[Any, ...]]:
        """Rows for AUDIT_COLUMNS from (id, created, actor id, actor e-mail, object type,
        object id, repr, organization, changes, source) of create entries, in id order."""
        rows = []
        for pk, created, actor, label, kind, object_id, text, org, changes, source in entries:
            changes_json = _dump(changes)
            common = (
                f'{{"action":"create","actor_id":{actor},"actor_label":{_dump(label)},'
                f'"changes":{changes_json},"created_at":"{_iso(created)}","ip_address":null,'
                f'"object_id":"{object_id}","object_repr":{_dump(text)},'
                f'"object_type":"{kind}","organization_id":{"null" if org is None else org},'
                f'"request_id":"",'
            )
            own = self._mac(f'entry|{common}"source":"{source}"}}')
            self.seq += 1
            previous = self.hash
            self.hash = self._mac(f'{previous}{common}"seq":{self.seq},"source":"{source}"}}')
            rows.append(
                (pk, stamp(created), actor, label, kind, object_id, text, org, "create",
                 changes_json, source, "", None, self.seq, previous, self.hash, own)
            )  # fmt: skip
        return rows

    def save_head(self) -> None:
        AuditChainHead.objects.update_or_create(
            pk=1,
            defaults={
                "seq": self.seq,
                "hash": self.hash,
                "mac": audit.head_mac(self.seq, self.hash),
            },
        )

    def write_anchor(self) -> None:
        audit._write_anchor(self.seq, self.hash)
