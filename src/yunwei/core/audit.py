"""The audit trail: recording entries, sealing them into a keyed hash chain, verifying it.

Actions call `record()` inside their transaction. Sealing assigns each entry the next
sequence number and `hash = HMAC-SHA256(key, prev_hash + canonical JSON of the entry)`.
On SQLite sealing happens at once (writers are serialised there anyway); elsewhere the
worker seals every few seconds (`seal_pending`), so concurrent writers never wait on
the chain head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from yunwei.core.context import current_origin
from yunwei.core.models import AuditAction, AuditChainHead, AuditEntry

REDACTED = "••••••"
_SENSITIVE_FIELDS = {"password", "key_hash", "secret", "key", "token"}
GENESIS_HASH = "0" * 64


def _plain(value: Any) -> Any:
    """A JSON-native value that reads back from the database exactly as written, so
    that re-hashing a stored entry gives the same digest."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time | Decimal):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited values of `fields` on `obj`; foreign keys by id, many-to-many as
    sorted id lists (those must be passed explicitly, e.g. `members`)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
        elif field.is_relation:
            values[name] = getattr(obj, f"{name}_id")
        else:
            values[name] = getattr(obj, name)
    return {k: _plain(v) for k, v in values.items()}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for every field whose value changed; secrets redacted."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old != new:
            changed[name] = [REDACTED, REDACTED] if name in _SENSITIVE_FIELDS else [old, new]
    return changed


def organization_of(obj: models.Model) -> int | None:
    """The organization a record belongs to, which decides who may read its history."""
    if obj._meta.label_lower == "accounts.organization":
        return int(obj.pk)
    org_id = getattr(obj, "organization_id", None)
    return int(org_id) if org_id is not None else None


def _normal_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    organization_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry for a change made by `actor` (None: the system).

    Call it inside the action's transaction: the entry commits or rolls back with it.
    """
    origin = current_origin()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
        organization_id = organization_id if organization_id is not None else organization_of(obj)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry.objects.create(
        created_at=timezone.now(),
        actor=actor if authenticated else None,
        actor_label=getattr(actor, "email", "") if authenticated else "",
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:200],
        organization_id=organization_id,
        action=action,
        changes=_plain(dict(changes or {})),
        source=origin.source,
        request_id=origin.request_id,
        ip_address=_normal_ip(origin.ip_address),
    )
    if settings.AUDIT_SEAL_INLINE:
        seal_pending()
    return entry


def record_create(obj: models.Model, fields: Iterable[str], *, actor: Any) -> AuditEntry:
    return record(
        actor=actor, action=AuditAction.CREATE, obj=obj, changes=diff({}, snapshot(obj, fields))
    )


def record_delete(obj: models.Model, fields: Iterable[str], *, actor: Any) -> AuditEntry:
    return record(
        actor=actor, action=AuditAction.DELETE, obj=obj, changes=diff(snapshot(obj, fields), {})
    )


# --- the chain -------------------------------------------------------------------------


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    payload = json.dumps(
        entry.chained_content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hmac.new(
        settings.AUDIT_KEY.encode(), (prev_hash + payload).encode(), hashlib.sha256
    ).hexdigest()


def seal_pending(batch: int = 1000) -> int:
    """Seal unsealed entries into the chain in id order; returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
            for entry in pending:
                entry.seq = head.seq + 1
                entry.prev_hash = head.hash or GENESIS_HASH
                entry.hash = entry_hash(entry, entry.prev_hash)
                entry.save(update_fields=["seq", "prev_hash", "hash"])
                head.seq, head.hash = entry.seq, entry.hash
            if pending:
                head.save(update_fields=["seq", "hash"])
        sealed += len(pending)
        if len(pending) < batch:
            return sealed


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    unsealed: int
    problem: str = ""
    bad_entry_id: int | None = None
    bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problem


def verify_chain() -> VerifyReport:
    """Recompute the chain; report the first entry that was edited, deleted or moved."""
    unsealed = AuditEntry.objects.filter(seq__isnull=True).count()
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for entry in AuditEntry.objects.filter(seq__isnull=False).order_by("seq").iterator(2000):
        problem = ""
        if entry.seq != expected_seq:
            problem = f"sequence jumps from {expected_seq - 1} to {entry.seq}: entries deleted"
        elif entry.prev_hash != prev_hash:
            problem = "link to the previous entry is broken: entries deleted or reordered"
        elif not hmac.compare_digest(entry.hash, entry_hash(entry, prev_hash)):
            problem = "content does not match its seal: entry edited"
        if problem:
            return VerifyReport(checked, unsealed, problem, entry.pk, entry.seq)
        expected_seq, prev_hash, checked = expected_seq + 1, entry.hash, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    if head_seq != checked or (checked and head_hash != prev_hash):
        return VerifyReport(
            checked,
            unsealed,
            f"chain head says {head_seq} entries, found {checked}: entries deleted from the end",
            None,
            head_seq,
        )
    return VerifyReport(checked, unsealed)
