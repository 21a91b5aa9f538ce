"""Inbound e-mail: every message received, kept with its raw bytes and what became of
it; and the customer domains whose unknown senders may become contacts."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yunwei.inbound.querysets import InboundMessageQuerySet, SenderDomainQuerySet


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received")
    TICKET = "ticket", _("New ticket")
    COMMENT = "comment", _("Comment")
    IGNORED = "ignored", _("Ignored")
    REJECTED = "rejected", _("Rejected")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundMessage(models.Model):
    """One received message. The raw bytes are stored before anything reads them; the
    state says what became of the message and `reason` why."""

    raw = models.BinaryField(_("raw message"))
    size = models.PositiveIntegerField(_("size"), help_text=_("Bytes received."))
    truncated = models.BooleanField(
        _("truncated"), default=False, help_text=_("Too large: only the first bytes are kept.")
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    # The Message-ID, else the SHA-256 of the bytes: a re-fetched message is the same row.
    dedup_key = models.CharField(_("de-duplication key"), max_length=300, unique=True)
    source = models.CharField(_("source"), max_length=200)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=20, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.TextField(_("reason"), blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.ForeignKey(
        "tickets.Comment",
        verbose_name=_("comment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_state_received")]

    def __str__(self) -> str:
        return self.subject or self.message_id or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("inbound:message", args=[self.pk])


domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    _("Enter a domain name such as example.com."),
)


class SenderDomain(models.Model):
    """Mail from an unknown address at `domain` belongs to `organization`: with
    YUNWEI_MAIL_UNKNOWN_SENDERS=create its sender becomes a requester there."""

    domain = models.CharField(
        _("domain"), max_length=253, unique=True, validators=[domain_validator]
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="sender_domains",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SenderDomainQuerySet.as_manager()

    class Meta:
        verbose_name = _("sender domain")
        verbose_name_plural = _("sender domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def get_absolute_url(self) -> str:
        return reverse("inbound:sender_domain_list")
