"""The only writers of webhooks: subscriptions (create, update, delete, new secret), a
test delivery, and sending a delivery again. Every one audited (internal: webhooks are
the provider's configuration, whatever organization they filter on)."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yunwei.accounts.models import User
from yunwei.core import audit, outbox
from yunwei.core.changes import StateConflict, refuse_unknown
from yunwei.core.enqueue import enqueue_on_commit
from yunwei.core.events import EventName
from yunwei.core.links import absolute_url
from yunwei.core.models import AuditAction
from yunwei.core.permissions import require_permission, require_visible
from yunwei.webhooks import guard
from yunwei.webhooks.delivery import deliver
from yunwei.webhooks.models import (
    TEST_EVENT,
    Format,
    RobotLanguage,
    WebhookDelivery,
    WebhookSubscription,
)

FIELDS = (
    "name",
    "url",
    "events",
    "format",
    "secret",
    "language",
    "organization",
    "is_active",
    "allow_private_network",
)
MAX_SECRET = 200


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _snapshot(subscription: WebhookSubscription) -> dict[str, Any]:
    values = audit.snapshot(subscription, FIELDS)
    values["url"] = guard.redacted(values["url"])  # robots' access tokens stay out
    return values


def _check(subscription: WebhookSubscription) -> None:
    """Normalises and validates; ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    subscription.name = (subscription.name or "").strip()
    if not subscription.name:
        errors["name"] = _("Give the webhook a name.")
    events = subscription.events
    if not isinstance(events, list) or not all(isinstance(name, str) for name in events):
        errors["events"] = _("Give a list of event names.")
    else:
        unknown = sorted(set(events) - set(EventName.values))
        if unknown:
            errors["events"] = _("Unknown events: %(names)s. Choose from: %(choices)s.") % {
                "names": ", ".join(unknown),
                "choices": ", ".join(EventName.values),
            }
        elif not events:
            errors["events"] = _("Choose at least one event.")
        else:
            subscription.events = [name for name in EventName.values if name in events]
    if subscription.format not in Format.values:
        errors["format"] = _("Choose from: %(choices)s.") % {"choices": ", ".join(Format.values)}
    if subscription.language not in RobotLanguage.values:
        errors["language"] = _("Choose from: %(choices)s.") % {
            "choices": ", ".join(RobotLanguage.values)
        }
    subscription.secret = (subscription.secret or "").strip()
    if subscription.format == Format.WECOM:
        subscription.secret = ""  # WeCom robots sign nothing
    elif subscription.format == Format.GENERIC and not subscription.secret:
        subscription.secret = new_secret()
    if len(subscription.secret) > MAX_SECRET:
        errors["secret"] = _("At most %(n)s characters.") % {"n": MAX_SECRET}
    try:
        guard.validate_url(subscription.url, allow_private=bool(subscription.allow_private_network))
    except ValidationError as error:
        errors.update({key: value[0] for key, value in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    subscription.full_clean(validate_constraints=False)


@transaction.atomic
def create_subscription(*, actor: User | None, **fields: Any) -> WebhookSubscription:
    require_permission(actor, "webhooks.add_webhooksubscription")
    refuse_unknown(FIELDS, fields)
    subscription = WebhookSubscription(**fields)
    _check(subscription)
    subscription.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=subscription,
        changes=audit.diff({}, _snapshot(subscription)),
        internal=True,
    )
    return subscription


@transaction.atomic
def update_subscription(
    subscription: WebhookSubscription, *, actor: User | None, **changes: Any
) -> WebhookSubscription:
    require_permission(actor, "webhooks.change_webhooksubscription")
    require_visible(actor, subscription)
    refuse_unknown(FIELDS, changes)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = _snapshot(subscription)
    stored_url, stored_secret = subscription.url, subscription.secret
    for name, value in changes.items():
        setattr(subscription, name, value)
    _check(subscription)
    changed = audit.diff(before, _snapshot(subscription))
    # The redacted URL hides a change of the query (a robot's new access token).
    if subscription.url != stored_url and "url" not in changed:
        changed["url"] = [before["url"], guard.redacted(subscription.url)]
    if subscription.secret != stored_secret:
        changed["secret"] = [audit.REDACTED, audit.REDACTED]
    if changed:
        subscription.save()
        audit.record(
            actor=actor, action=AuditAction.UPDATE, obj=subscription, changes=changed, internal=True
        )
    return subscription


@transaction.atomic
def rotate_secret(subscription: WebhookSubscription, *, actor: User | None) -> WebhookSubscription:
    """A new signing secret for a generic webhook (the receiver must learn it)."""
    require_permission(actor, "webhooks.change_webhooksubscription")
    require_visible(actor, subscription)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.format != Format.GENERIC:
        raise ValidationError(
            {
                "secret": _(
                    "Only generic webhooks have a secret made by Yunwei; a robot's "
                    "secret comes from the robot's settings."
                )
            }
        )
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=subscription,
        changes={"secret": [audit.REDACTED, audit.REDACTED]},
        internal=True,
    )
    return subscription


@transaction.atomic
def delete_subscription(subscription: WebhookSubscription, *, actor: User | None) -> None:
    """Deletes the webhook and its delivery log (the audit trail keeps the record)."""
    require_permission(actor, "webhooks.delete_webhooksubscription")
    require_visible(actor, subscription)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=subscription,
        changes=audit.diff(_snapshot(subscription), {}),
        internal=True,
    )
    subscription.delete()


def sample_payload(subscription: WebhookSubscription, actor: User | None) -> dict[str, Any]:
    """What a test delivery carries: the shape of a ticket event, marked as a test."""
    now = timezone.now().isoformat()
    return {
        "occurred_at": now,
        "actor": {"id": actor.pk, "name": str(actor)} if actor is not None else None,
        "data": {
            "id": 0,
            "reference": "TEST-000000",
            "type": "incident",
            "title": _("Test message from Yunwei"),
            "state": "new",
            "priority": "general",
            "channel": "web",
            "organization": None,
            "service": None,
            "team": None,
            "assignee": None,
            "requester": None,
            "due_at": None,
            "sla_breached": False,
            "created_at": now,
            "resolved_at": None,
            "url": absolute_url(reverse("webhooks:detail", args=[subscription.pk])),
        },
        "details": {"test": True},
    }


@transaction.atomic
def send_test(subscription: WebhookSubscription, *, actor: User | None) -> WebhookDelivery:
    """Queues a test delivery (sent even while the webhook is inactive)."""
    require_permission(actor, "webhooks.change_webhooksubscription")
    require_visible(actor, subscription)
    row = WebhookDelivery.objects.create(
        subscription=subscription, event=TEST_EVENT, payload=sample_payload(subscription, actor)
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=subscription,
        changes={"test_delivery": [None, str(row.key)]},
        internal=True,
    )
    enqueue_on_commit(deliver, delivery_id=row.pk)
    return row


@transaction.atomic
def redeliver(delivery: WebhookDelivery, *, actor: User | None) -> WebhookDelivery:
    """Sends a delivery again, with its original idempotency key and a fresh round of
    attempts. Refused while it is being sent."""
    require_permission(actor, "webhooks.change_webhooksubscription")
    require_visible(actor, delivery)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.leased_until is not None and delivery.leased_until > timezone.now():
        raise StateConflict(_("This delivery is being sent right now."))
    before = {"state": delivery.state, "attempts": delivery.attempts}
    outbox.retry(delivery)
    delivery.refresh_from_db()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=delivery,
        changes={
            "state": [before["state"], delivery.state],
            "attempts": [before["attempts"], delivery.attempts],
        },
        internal=True,
    )
    enqueue_on_commit(deliver, delivery_id=delivery.pk)
    return delivery
