from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunwei.core.querysets import AuditEntryQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", pgettext_lazy("audit action", "Created")
    UPDATE = "update", pgettext_lazy("audit action", "Updated")
    DELETE = "delete", pgettext_lazy("audit action", "Deleted")
    VIEW = "view", pgettext_lazy("audit action", "Viewed")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")


class AuditSource(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    EMAIL = "email", _("E-mail")
    JOB = "job", _("Background job")
    SYSTEM = "system", _("System")


class AuditEntry(models.Model):
    """One append-only record of a change (or sensitive read).

    Entries are written unsealed (`seq` empty) in the transaction of the change, then
    sealed into an HMAC-SHA256 chain in commit order. Database triggers (see the
    migration `protect_sealed_audit_entries`) refuse UPDATE and DELETE of sealed rows.
    """

    created_at = models.DateTimeField(_("time"), db_index=True)
    # A plain id and a label, not a constrained foreign key: deleting or renaming a user
    # must never touch sealed history.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    organization_id = models.BigIntegerField(_("organization"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=AuditSource.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    seq = models.BigIntegerField(_("sequence"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64, blank=True)  # the entry's own seal, set when written

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-id"], name="audit_object_idx"),
            models.Index(fields=["organization_id", "-id"], name="audit_org_idx"),
            models.Index(
                fields=["id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"
        )

    def chained_content(self) -> dict[str, Any]:
        """Exactly what the chain hash covers."""
        return {
            "seq": self.seq,
            "created_at": self.created_at.astimezone(dt.UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "organization_id": self.organization_id,
            "action": self.action,
            "changes": self.changes,
            "source": self.source,
            "request_id": self.request_id,
            "ip_address": self.ip_address,
        }


class AuditChainHead(models.Model):
    """The single row holding the last sealed entry; sealers lock it to chain in order."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class Schedule(models.Model):
    """When a periodic job next runs. Workers claim an occurrence with a conditional
    UPDATE on `next_run_at`, so with any number of workers each occurrence runs once."""

    name = models.CharField(max_length=255, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("schedule")

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A `yunwei worker` process that is alive, or was until `last_seen` (core/workers.py):
    the jobs it left RUNNING go back in the queue once it has been silent long enough."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        verbose_name = _("worker")

    def __str__(self) -> str:
        return self.worker_id
