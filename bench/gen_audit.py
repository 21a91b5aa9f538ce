"""Audit entries of the generated tickets and comments, sealed into the chain as they are
written — exactly what `audit.record` followed by `audit.seal_pending` would store, so
`yunwei audit verify` checks them like any other entries.

The canonical JSON of `core.audit` (sorted keys, no spaces) is assembled from pieces
here around the changes, which gen_tickets.py writes as JSON itself; the HMAC key is
set up once and copied per entry.
"""

from __future__ import annotations

import hashlib
import hmac
from json.encoder import encode_basestring as quote
from typing import Any

from django.conf import settings

from bench.gen_time import iso
from yunwei.core import audit
from yunwei.core.models import AuditChainHead

AUDIT_COLUMNS = [
    "id", "created_at", "actor_id", "actor_label", "object_type", "object_id", "object_repr",
    "organization_id", "action", "changes", "source", "request_id", "ip_address", "seq",
    "prev_hash", "hash", "mac",
]  # fmt: skip


class Chain:
    """The chain head, carried from entry to entry."""

    def __init__(self) -> None:
        audit.seal_pending()  # entries written before the generator come first
        head = AuditChainHead.objects.filter(pk=1).first()
        self.seq = head.seq if head else 0
        self.hash = (head.hash if head else "") or audit.GENESIS_HASH
        self._key = hmac.new(settings.AUDIT_KEY.encode(), digestmod=hashlib.sha256)

    def seal(self, entries: list[tuple[Any, ...]], stamp: Any) -> list[tuple[Any, ...]]:
        """Rows for AUDIT_COLUMNS from (id, created, actor id, actor e-mail, object type,
        object id, repr, organization, changes JSON, source) of create entries, in id order."""
        rows = []
        fresh = self._key.copy

        def mac(message: str) -> str:
            keyed = fresh()
            keyed.update(message.encode())
            return keyed.hexdigest()

        for pk, created, actor, label, kind, object_id, text, org, changes, source in entries:
            common = (
                f'{{"action":"create","actor_id":{actor},"actor_label":{quote(label)},'
                f'"changes":{changes},"created_at":"{iso(created)}","ip_address":null,'
                f'"object_id":"{object_id}","object_repr":{quote(text)},'
                f'"object_type":"{kind}","organization_id":{"null" if org is None else org},'
                f'"request_id":"",'
            )
            own = mac(f'entry|{common}"source":"{source}"}}')
            self.seq += 1
            previous = self.hash
            self.hash = mac(f'{previous}{common}"seq":{self.seq},"source":"{source}"}}')
            rows.append(
                (pk, stamp(created), actor, label, kind, object_id, text, org, "create",
                 changes, source, "", None, self.seq, previous, self.hash, own)
            )  # fmt: skip
        return rows

    def head(self) -> tuple[int, str]:
        """Where the chain stands now (the writer saves it after the rows it covers)."""
        return self.seq, self.hash

    @staticmethod
    def save_head(head: tuple[int, str]) -> None:
        seq, last_hash = head
        AuditChainHead.objects.update_or_create(
            pk=1, defaults={"seq": seq, "hash": last_hash, "mac": audit.head_mac(seq, last_hash)}
        )

    def write_anchor(self) -> None:
        audit._write_anchor(self.seq, self.hash)
