"""Webhook subscriptions (where to send which events, in which format) and their
deliveries (an outbox: one row per event and subscription, and its delivery log)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yunwei.core.models import TimeStampedModel
from yunwei.core.outbox import OutboxItem
from yunwei.webhooks.querysets import DeliveryQuerySet, SubscriptionQuerySet

# The event of a delivery sent by hand from the subscription page ("Send a test").
TEST_EVENT = "webhook.test"
# How much of a receiver's answer the delivery log keeps.
EXCERPT_CHARS = 2000


class Format(models.TextChoices):
    GENERIC = "generic", _("Generic JSON (signed)")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu / Lark bot")


class RobotLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class WebhookSubscription(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=2000)
    events = models.JSONField(_("events"), default=list)
    format = models.CharField(
        _("format"), max_length=20, choices=Format.choices, default=Format.GENERIC
    )
    # The HMAC key of generic webhooks; the robot's signing secret for DingTalk and Feishu.
    secret = models.CharField(_("secret"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=RobotLanguage.choices, default=RobotLanguage.ZH_HANS
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only events about this organization's tickets; all when empty."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    allow_private_network = models.BooleanField(
        _("allow private network"),
        default=False,
        help_text=_(
            "Allow loopback and private addresses (an internal receiver). Leave off for "
            "anything on the internet."
        ),
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", args=[self.pk])


class WebhookDelivery(OutboxItem):
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("webhook"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=50)
    # What the event said when it happened: {"occurred_at", "actor", "data", "details"}.
    payload = models.JSONField(_("payload"), default=dict)
    response_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta(OutboxItem.Meta):
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            *OutboxItem.Meta.indexes,
            models.Index(fields=["subscription", "-created_at"], name="webhooks_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.key})"

    @property
    def ticket(self) -> dict[str, Any] | None:
        """{"id", "reference"} of the ticket the delivery tells about; None for a test."""
        data = (self.payload or {}).get("data") or {}
        if self.event == TEST_EVENT or not isinstance(data.get("id"), int):
            return None  # a test carries a made-up ticket
        return {"id": data["id"], "reference": str(data.get("reference") or data["id"])}
