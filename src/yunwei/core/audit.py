"""The audit trail: recording entries, sealing them into a keyed hash chain, verifying it.

Actions call `record()` inside their transaction. Sealing assigns each entry the next
sequence number and `hash = HMAC-SHA256(key, prev_hash + canonical JSON of the entry)`.
On SQLite sealing happens at once (writers are serialised there anyway); elsewhere the
worker seals every few seconds (`seal_pending`), so concurrent writers never wait on
the chain head.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from yunwei.core.context import current_origin
from yunwei.core.models import AuditAction, AuditChainHead, AuditEntry

logger = logging.getLogger(__name__)

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
    internal: bool = False,
) -> AuditEntry:
    """Write one audit entry for a change made by `actor` (None: the system).

    Call it inside the action's transaction: the entry commits or rolls back with it.
    `internal` entries belong to no organization, so only provider staff read them.
    """
    origin = current_origin()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
        organization_id = organization_id if organization_id is not None else organization_of(obj)
    if internal:
        organization_id = None
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    entry = AuditEntry(
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
    entry.mac = entry_mac(entry)
    entry.save()
    if settings.AUDIT_SEAL_INLINE and not _sealing_deferred.get():
        seal_pending()
    return entry


_sealing_deferred: ContextVar[bool] = ContextVar("yunwei_audit_sealing_deferred", default=False)


@contextlib.contextmanager
def sealing_deferred() -> Iterator[None]:
    """For actions that write many entries at once: with inline sealing, seal them all
    at the end of the block (still inside the transaction) instead of one by one."""
    token = _sealing_deferred.set(True)
    try:
        yield
    finally:
        _sealing_deferred.reset(token)
    if settings.AUDIT_SEAL_INLINE:
        seal_pending()


def record_create(obj: models.Model, fields: Iterable[str], *, actor: Any) -> AuditEntry:
    return record(
        actor=actor, action=AuditAction.CREATE, obj=obj, changes=diff({}, snapshot(obj, fields))
    )


def record_delete(obj: models.Model, fields: Iterable[str], *, actor: Any) -> AuditEntry:
    return record(
        actor=actor, action=AuditAction.DELETE, obj=obj, changes=diff(snapshot(obj, fields), {})
    )


# --- the chain -------------------------------------------------------------------------


class ChainBroken(Exception):
    """Sealing refused: the chain or an entry waiting to be sealed was tampered with."""


def _mac(message: str) -> str:
    return hmac.new(settings.AUDIT_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def _canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_mac(entry: AuditEntry) -> str:
    """Seals an entry's content when it is written, before it joins the chain: an entry
    edited while waiting to be sealed is refused by the sealer and flagged by verify."""
    content = entry.chained_content()
    content.pop("seq")
    return _mac("entry|" + _canonical(content))


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    return _mac(prev_hash + _canonical(entry.chained_content()))


def head_mac(seq: int, last_hash: str) -> str:
    return _mac(f"head|{seq}|{last_hash}")


def _read_anchor() -> dict[str, Any] | None:
    path = settings.AUDIT_ANCHOR_FILE
    if not path or not Path(path).exists():
        return None
    return dict(json.loads(Path(path).read_text()))


def _write_anchor(seq: int, last_hash: str) -> None:
    """The chain head, also kept outside the database: a database reset or rolled-back
    backup that loses sealed entries no longer looks like a fresh, intact chain."""
    path = settings.AUDIT_ANCHOR_FILE
    if not path:
        return
    try:
        # Several processes seal on one machine: a lock keeps the anchor moving forward
        # only, and each writes through its own temporary file.
        with open(f"{path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            anchor = _read_anchor()
            if anchor and anchor["seq"] >= seq:
                return
            with tempfile.NamedTemporaryFile("w", dir=Path(path).parent, delete=False) as handle:
                handle.write(json.dumps({"seq": seq, "hash": last_hash}))
            os.replace(handle.name, path)
    except OSError:
        # The seal itself committed; a missing anchor only weakens one check.
        logger.exception("could not write the audit anchor %s", path)


def _checked_head() -> AuditChainHead:
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    if head.seq and not hmac.compare_digest(head.mac, head_mac(head.seq, head.hash)):
        raise ChainBroken("the chain head was altered")
    anchor = _read_anchor()
    if anchor and anchor["seq"] > head.seq:
        raise ChainBroken(
            f"the chain head is at {head.seq} but {anchor['seq']} entries were sealed"
        )
    return head


def seal_pending(batch: int = 1000) -> int:
    """Seal unsealed entries into the chain in id order; returns how many were sealed.

    Refuses (ChainBroken) when the head or an entry's own seal shows tampering."""
    sealed = 0
    while True:
        with transaction.atomic():
            head = _checked_head()
            pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
            for entry in pending:
                if not hmac.compare_digest(entry.mac, entry_mac(entry)):
                    raise ChainBroken(f"entry {entry.pk} was altered before it was sealed")
                entry.seq = head.seq + 1
                entry.prev_hash = head.hash or GENESIS_HASH
                entry.hash = entry_hash(entry, entry.prev_hash)
                entry.save(update_fields=["seq", "prev_hash", "hash"])
                head.seq, head.hash = entry.seq, entry.hash
            if pending:
                head.mac = head_mac(head.seq, head.hash)
                head.save(update_fields=["seq", "hash", "mac"])
                transaction.on_commit(partial(_write_anchor, head.seq, head.hash))
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


def _entry_problem(entry: AuditEntry, expected_seq: int, prev_hash: str) -> str:
    if entry.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {entry.seq}: entries deleted"
    if entry.prev_hash != prev_hash:
        return "link to the previous entry is broken: entries deleted or reordered"
    if not hmac.compare_digest(entry.hash, entry_hash(entry, prev_hash)):
        return "content does not match its seal: entry edited"
    if not hmac.compare_digest(entry.mac, entry_mac(entry)):
        return "content does not match its own seal: entry edited"
    return ""


def verify_chain() -> VerifyReport:
    """Recompute the chain; report the first entry that was edited, deleted or moved."""
    unsealed_entries = AuditEntry.objects.filter(seq__isnull=True)
    unsealed = unsealed_entries.count()
    for entry in unsealed_entries.order_by("id").iterator(2000):
        if not hmac.compare_digest(entry.mac, entry_mac(entry)):
            return VerifyReport(0, unsealed, "entry edited while awaiting its seal", entry.pk, None)
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for entry in AuditEntry.objects.filter(seq__isnull=False).order_by("seq").iterator(2000):
        problem = _entry_problem(entry, expected_seq, prev_hash)
        if problem:
            return VerifyReport(checked, unsealed, problem, entry.pk, entry.seq)
        expected_seq, prev_hash, checked = expected_seq + 1, entry.hash, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    if head and head.seq and not hmac.compare_digest(head.mac, head_mac(head.seq, head.hash)):
        return VerifyReport(checked, unsealed, "the chain head was altered", None, head.seq)
    if head_seq != checked or (checked and head_hash != prev_hash):
        return VerifyReport(
            checked,
            unsealed,
            f"chain head says {head_seq} entries, found {checked}: entries deleted from the end",
            None,
            head_seq,
        )
    anchor = _read_anchor()
    if anchor and (
        anchor["seq"] > checked
        or (AuditEntry.objects.filter(seq=anchor["seq"]).exclude(hash=anchor["hash"]).exists())
    ):
        return VerifyReport(
            checked,
            unsealed,
            f"{anchor['seq']} entries were sealed on this machine, the database has {checked}: "
            "entries deleted or the database replaced",
            None,
            anchor["seq"],
        )
    return VerifyReport(checked, unsealed)
