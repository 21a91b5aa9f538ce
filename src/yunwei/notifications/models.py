"""Outgoing e-mail (an outbox the worker sends), in-app notifications (the bell) and
each user's choice of what reaches them by which channel.

Rows are written by the event listener (`listener.py`) in the transaction of the event;
every other change goes through `actions.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunwei.core.events import EventName
from yunwei.core.outbox import OutboxItem
from yunwei.notifications.querysets import (
    NotificationQuerySet,
    OutboundEmailQuerySet,
    PreferenceQuerySet,
)

# A customer's choice beside the events: told when an update leaves the ticket waiting
# for their answer (apart from other updates, which they may not care for).
WAITING = "ticket.waiting"
PREFERENCE_KEYS = [*EventName.choices, (WAITING, _("Waiting for your answer"))]


class NotifyChannel(models.TextChoices):
    EMAIL = "email", pgettext_lazy("channel", "E-mail")
    IN_APP = "in_app", _("In the app")


class OutboundEmail(OutboxItem):
    """One rendered message to one address; what is sent is what the event saw."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.EmailField(_("address"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=400)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket_reference = models.CharField(_("ticket reference"), max_length=20, blank=True)
    event = models.CharField(_("event"), max_length=40, choices=EventName.choices, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta(OutboxItem.Meta):
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        # The outbox's due index, under a name short enough for the database.
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_email_due_idx",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.subject}"


class Notification(models.Model):
    """A line under the bell. Its text is worded when shown, in the reader's language,
    from `params` captured when the event happened."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=40, choices=EventName.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient"], name="notification_unread_idx", condition=Q(read_at=None)
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        from yunwei.notifications.wording import in_app_text

        return in_app_text(self.event, self.params)


class NotificationPreference(models.Model):
    """A user's choice where it differs from the default (`preferences.default`): an
    event's name, or WAITING."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    event = models.CharField(_("event"), max_length=40, choices=PREFERENCE_KEYS)
    channel = models.CharField(_("channel"), max_length=10, choices=NotifyChannel.choices)
    enabled = models.BooleanField(_("enabled"))

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event", "channel"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.event} / {self.channel}"
