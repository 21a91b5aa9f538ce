"""Every change to inbound mail: storing a message, processing it, processing it again,
and the sender domains. Storing commits on its own, before anything parses the bytes;
processing is one transaction per message, and any failure quarantines that message
only."""

from __future__ import annotations

import hashlib
import logging
import traceback
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.accounts.models import Organization, OrganizationKind, User
from yunwei.core import audit
from yunwei.core.changes import StateConflict
from yunwei.core.context import origin
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.inbound import parse, route
from yunwei.inbound.charsets import without_nul
from yunwei.inbound.models import InboundMessage, InboundState, SenderDomain

logger = logging.getLogger(__name__)

# What is kept of a message over the size limit, for admins to see what it was.
HEAD_BYTES = 64 * 1024
REPROCESSABLE = (InboundState.QUARANTINED, InboundState.REJECTED)


# --- storing --------------------------------------------------------------------------------


def read_capped(stream: IO[bytes]) -> tuple[bytes, int, str]:
    """Reads a message from a stream without holding more than the size limit in
    memory: (the bytes — all, or the first ones when too large —, total size, sha256)."""
    limit = settings.MAIL_MAX_BYTES
    digest = hashlib.sha256()
    kept = bytearray()
    total = 0
    while chunk := stream.read(1024 * 1024):
        total += len(chunk)
        digest.update(chunk)
        if len(kept) <= limit:
            kept += chunk
    data = bytes(kept) if total <= limit else bytes(kept[:HEAD_BYTES])
    return data, total, digest.hexdigest()


def storable(text: str) -> str:
    """Text any database keeps: no NUL, no lone surrogate (from undecodable headers)."""
    return without_nul(text).encode("utf-8", "replace").decode("utf-8")


def _dedup_key(message_id: str, sha256: str) -> str:
    if message_id and len(message_id) <= 290:
        return f"mid:{message_id}"
    return f"sha256:{sha256}"


@transaction.atomic
def store_message(
    raw: bytes,
    *,
    source: str,
    size: int | None = None,
    sha256: str | None = None,
    failure: str = "",
) -> tuple[InboundMessage, bool]:
    """Keeps the bytes of a received message; (the row, True) or, for a message already
    received (same Message-ID, or same bytes when it has none), (that row, False).

    A message over YUNWEI_MAIL_MAX_MB is quarantined at once, keeping its first bytes.
    `size` and `sha256` describe the whole message when `raw` holds only its start.
    `failure` says why `raw` is all that could be downloaded: quarantined at once too,
    and under its own key, so that the whole message is stored once it can be read."""
    size = len(raw) if size is None else size
    sha256 = sha256 or hashlib.sha256(raw).hexdigest()
    message_id = storable(parse.message_id_of(raw))
    key = _dedup_key(message_id, sha256)
    if failure:
        key = f"failed:{hashlib.sha256(f'{key} {source} {size}'.encode()).hexdigest()}"
    existing = InboundMessage.objects.filter(dedup_key=key).first()
    if existing is not None:
        return existing, False
    row = InboundMessage(
        raw=raw,
        size=size,
        sha256=sha256,
        message_id=message_id[:255],
        dedup_key=key,
        source=source[:200],
    )
    if size > settings.MAIL_MAX_BYTES:
        row.raw, row.truncated = raw[:HEAD_BYTES], True
        row.state, row.processed_at = InboundState.QUARANTINED, timezone.now()
        row.reason = (
            f"too large: {filesizeformat(size)} over the limit of "
            f"{filesizeformat(settings.MAIL_MAX_BYTES)} (YUNWEI_MAIL_MAX_MB); only the "
            f"first {filesizeformat(HEAD_BYTES)} are kept"
        )
    elif failure:
        row.truncated, row.state, row.processed_at = True, InboundState.QUARANTINED, timezone.now()
        row.reason = storable(failure)[:5000]
    if row.truncated:
        subject, sender = parse.summary(bytes(row.raw))
        row.subject, row.sender = storable(subject)[:500], storable(sender)[:254]
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # stored meanwhile by another fetcher
        return InboundMessage.objects.get(dedup_key=key), False
    return row, True


# --- processing -----------------------------------------------------------------------------


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        return "; ".join(error.messages)
    if isinstance(error, parse.MalformedMail | route.AmbiguousSender):
        return str(error)
    where = traceback.extract_tb(error.__traceback__)[-1:]
    place = f" (at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno})" if where else ""
    return f"{type(error).__name__}: {error}{place}"


def _deliver(row: InboundMessage) -> None:
    if row.truncated:
        raise parse.MalformedMail("incomplete: only the first bytes of the message were kept")
    mail = parse.parse(bytes(row.raw))
    row.subject = storable(mail.subject)[:500]
    row.sender = storable(mail.sender.address if mail.sender else mail.from_address)[:254]
    outcome = route.deliver(row, mail)
    row.state = outcome.state
    row.reason = storable("; ".join(filter(None, [outcome.reason, *outcome.notes])))
    row.ticket, row.comment = outcome.ticket, outcome.comment
    row.processed_at = timezone.now()
    row.save(
        update_fields=[
            "subject", "sender", "state", "reason", "ticket", "comment", "processed_at",
        ]
    )  # fmt: skip


def process_message(message: InboundMessage) -> InboundMessage:
    """Turns a received message into a ticket, a comment, or an ignored, rejected or
    quarantined entry — in one transaction. A message no longer in "received" (done
    by another process meanwhile) is left alone. Never raises for a bad message."""
    with origin("email"):
        try:
            with transaction.atomic():
                # The conditional UPDATE is the claim: a second process waits here, then
                # finds nothing left to do.
                claimed = InboundMessage.objects.filter(
                    pk=message.pk, state=InboundState.RECEIVED
                ).update(attempts=F("attempts") + 1)
                if claimed:
                    _deliver(InboundMessage.objects.get(pk=message.pk))
        except Exception as error:  # any failure quarantines this message only
            logger.warning("inbound message %s quarantined", message.pk, exc_info=True)
            _quarantine(message.pk, _describe(error))
    return InboundMessage.objects.get(pk=message.pk)


def _quarantine(pk: int, reason: str) -> None:
    """Never raises: should the subject or sender not be storable, the row is
    quarantined without them."""
    fields = {
        "state": InboundState.QUARANTINED,
        "reason": storable(reason)[:5000],
        "processed_at": timezone.now(),
        "attempts": F("attempts") + 1,
    }
    try:
        with transaction.atomic():
            row = InboundMessage.objects.filter(pk=pk).only("raw").first()
            subject, sender = parse.summary(bytes(row.raw)) if row else ("", "")
            InboundMessage.objects.filter(pk=pk, state=InboundState.RECEIVED).update(
                subject=storable(subject)[:500], sender=storable(sender)[:254], **fields
            )
    except Exception:
        logger.exception("inbound message %s: quarantined without subject and sender", pk)
        try:
            with transaction.atomic():
                InboundMessage.objects.filter(pk=pk, state=InboundState.RECEIVED).update(**fields)
        except Exception:
            logger.exception("inbound message %s could not be quarantined", pk)


def process_received(limit: int = 500) -> int:
    """Processes messages waiting in "received" (stored, not yet processed: a fetch or an
    ingest interrupted after storing); returns how many were processed. One message
    failing even to be quarantined does not stop the others."""
    ids = list(
        InboundMessage.objects.filter(state=InboundState.RECEIVED)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        try:
            with transaction.atomic():
                process_message(InboundMessage(pk=pk))
        except Exception:
            logger.exception("inbound message %s could not be processed", pk)
    return len(ids)


@transaction.atomic
def reprocess_message(message: InboundMessage, *, actor: User | None) -> InboundMessage:
    """Runs a quarantined (or rejected) message again, e.g. after the sender's account
    was created or a setting fixed."""
    require_permission(actor, "inbound.change_inboundmessage")
    require_visible(actor, message)
    row = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if row.state not in REPROCESSABLE:
        raise StateConflict(
            {"state": _("Only quarantined or rejected messages can be processed again.")}
        )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=row,
        changes={"state": [row.state, InboundState.RECEIVED]},
        internal=True,
    )
    InboundMessage.objects.filter(pk=row.pk).update(
        state=InboundState.RECEIVED, reason="", ticket=None, comment=None, processed_at=None
    )
    return process_message(row)


def reprocess_quarantined(*, actor: User | None) -> list[InboundMessage]:
    pending = InboundMessage.objects.filter(state=InboundState.QUARANTINED, truncated=False)
    return [reprocess_message(row, actor=actor) for row in pending.order_by("id")]


# --- sender domains -------------------------------------------------------------------------


def _clean_domain(domain: str, organization: Organization, exclude: int | None = None) -> str:
    domain = (domain or "").strip().lower().removeprefix("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValidationError({"domain": _("Enter a domain name such as example.com.")}) from error
    SenderDomain(domain=domain, organization=organization).full_clean(
        exclude=["organization"], validate_unique=False
    )
    taken = SenderDomain.objects.filter(domain=domain)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"domain": _("This domain already belongs to an organization.")})
    if organization.kind != OrganizationKind.CUSTOMER:
        raise ValidationError({"organization": _("Choose a customer organization.")})
    return domain


@transaction.atomic
def create_sender_domain(
    *, actor: User | None, domain: str, organization: Organization
) -> SenderDomain:
    require_permission(actor, "inbound.add_senderdomain")
    row = SenderDomain.objects.create(
        domain=_clean_domain(domain, organization), organization=organization
    )
    audit.record_create(row, ["domain", "organization"], actor=actor)
    return row


@transaction.atomic
def update_sender_domain(
    row: SenderDomain, *, actor: User | None, domain: str, organization: Organization
) -> SenderDomain:
    require_permission(actor, "inbound.change_senderdomain")
    require_visible(actor, row)
    row = SenderDomain.objects.select_for_update().get(pk=row.pk)
    before = audit.snapshot(row, ["domain", "organization"])
    row.domain = _clean_domain(domain, organization, exclude=row.pk)
    row.organization = organization
    changes = audit.diff(before, audit.snapshot(row, ["domain", "organization"]))
    if changes:
        row.save(update_fields=["domain", "organization"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=row, changes=changes)
    return row


@transaction.atomic
def delete_sender_domain(row: SenderDomain, *, actor: User | None) -> None:
    require_permission(actor, "inbound.delete_senderdomain")
    require_visible(actor, row)
    audit.record_delete(row, ["domain", "organization"], actor=actor)
    row.delete()
