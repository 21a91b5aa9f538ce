"""Business calendars, service level agreements, SLA records on tracked objects, and
service outages.

SLA arithmetic lives in clock.py (pure); these models keep what it needs, versioned, so
that any record can be recomputed and explained from its own history.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yunwei.core.models import TimeStampedModel
from yunwei.sla.querysets import (
    AgreementQuerySet,
    CalendarQuerySet,
    OutageQuerySet,
    SlaRecordQuerySet,
)


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    IMPORTANT = "important", _("Important")
    GENERAL = "general", _("General")
    UNIMPORTANT = "unimportant", _("Unimportant")


class Calendar(TimeStampedModel):
    """Working hours in a time zone with dated exceptions (holidays, adjusted working days).

    Every change bumps `version` and stores a `CalendarVersion`, so SLA records can be
    recomputed with the calendar that applied to each part of their history.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    hours = models.JSONField(_("working hours"), default=dict)
    exceptions = models.JSONField(_("exceptions"), default=list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = CalendarQuerySet.as_manager()

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sla:calendar", args=[self.pk])

    def spec(self) -> dict[str, object]:
        return {"timezone": self.timezone, "hours": self.hours, "exceptions": self.exceptions}


class CalendarVersion(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    spec = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar version")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "version"], name="calendar_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.calendar} v{self.version}"


class Agreement(TimeStampedModel):
    """An SLA for a service, optionally for one customer organization (which wins)."""

    name = models.CharField(_("name"), max_length=200)
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        help_text=_("Leave empty for the service's default agreement."),
    )
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="agreements"
    )
    availability_target = models.DecimalField(
        _("availability target (%)"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("99.900"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_interruption_minutes = models.PositiveIntegerField(
        _("maximum single interruption (minutes)"), default=60
    )
    pause_states = models.JSONField(_("states that pause the clock"), default=list, blank=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (percentage of target elapsed)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("service level agreement")
        verbose_name_plural = _("service level agreements")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "organization"],
                name="agreement_per_service_customer",
                condition=models.Q(organization__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["service"],
                name="agreement_default_per_service",
                condition=models.Q(organization__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sla:agreement", args=[self.pk])


class Target(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices)
    response_minutes = models.PositiveIntegerField(
        _("first response (business minutes)"), default=120
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"), default=240
    )

    class Meta:
        verbose_name = _("SLA target")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "priority"], name="target_per_priority")
        ]

    def __str__(self) -> str:
        return f"{self.agreement} / {self.get_priority_display()}"


class EscalationAction(models.TextChoices):
    NOTIFY = "notify", _("Notify")
    REASSIGN = "reassign", _("Reassign to a team")
    RAISE_PRIORITY = "raise_priority", _("Raise priority")


class RecordKind(models.TextChoices):
    RESPONSE = "response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class EscalationRule(models.Model):
    """At `at_percent` of a target's time (100 = on breach), do `action`."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(
        _("target"), max_length=20, choices=RecordKind.choices, default=RecordKind.RESOLUTION
    )
    at_percent = models.PositiveSmallIntegerField(
        _("at (percentage of target elapsed)"),
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    action = models.CharField(_("action"), max_length=20, choices=EscalationAction.choices)
    notify_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    notify_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    notify_role = models.CharField(_("notify role"), max_length=30, blank=True)
    reassign_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("escalation rule")
        ordering = ["kind", "at_percent"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at_percent}% → {self.get_action_display()}"


class SegmentReason(models.TextChoices):
    """Why a stretch of an SLA record's timeline began (stored as the code)."""

    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on the customer")
    WAITING_ON_THIRD_PARTY = "waiting_on_third_party", _("Waiting on a third party")
    CHANGE_FREEZE = "change_freeze", _("Change freeze")
    CALENDAR_CHANGED = "calendar_changed", _("The calendar changed")
    AGREEMENT_CHANGED = "agreement_changed", _("The agreement changed")
    PRIORITY_CHANGED = "priority_changed", _("The priority changed")
    SERVICE_CHANGED = "service_changed", _("The service or customer changed")
    RESOLVED = "resolved", _("Resolved until reopened")


def reason_label(code: str) -> str:
    """The translated label of a timeline reason; codes from elsewhere are shown as-is."""
    return str(SegmentReason(code).label) if code in SegmentReason.values else code


class RecordState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (RecordState.RUNNING, RecordState.PAUSED)


class SlaRecord(models.Model):
    """One target (first response or resolution) on one tracked object — a ticket, a
    complaint, a change. Its `segments` are its history: each running or paused stretch
    with the calendar version and target that applied, so it can be recomputed and
    explained. `due_at` is stored so queues sort and filter in SQL."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    tracked = GenericForeignKey("content_type", "object_id")
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="records")
    agreement_version = models.PositiveIntegerField()
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("target"), max_length=20, choices=RecordKind.choices)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices)
    target_minutes = models.PositiveIntegerField(_("target (business minutes)"))
    state = models.CharField(
        _("state"), max_length=20, choices=RecordState.choices, default=RecordState.RUNNING
    )
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warning_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    # When the warning was told (once per record, like the breach).
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    # The next instant at which a breach or an escalation rule falls due; the worker
    # checks records whose instant has passed (exactly on time, and again after downtime).
    next_check_at = models.DateTimeField(null=True, blank=True)
    elapsed_minutes = models.FloatField(_("business minutes elapsed"), default=0)
    segments = models.JSONField(default=list)

    objects = SlaRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA record")
        verbose_name_plural = _("SLA records")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"], name="one_record_per_target"
            )
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="sla_record_object_idx"),
            models.Index(
                fields=["due_at"],
                name="sla_open_due_idx",
                condition=models.Q(state__in=["running", "paused"]),
            ),
            models.Index(
                fields=["next_check_at"],
                name="sla_next_check_idx",
                condition=models.Q(state__in=["running", "paused"]),
            ),
            # The monthly compliance report (reports/compliance.py) reads one range of
            # `started_at` per month for one tracked type, from the index alone on
            # PostgreSQL (INCLUDE is ignored elsewhere).
            models.Index(
                fields=["content_type", "started_at"],
                include=["agreement", "kind", "state", "due_at", "breached_at", "organization_id"],
                name="sla_record_started_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.content_type.model}#{self.object_id}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EscalationFiring(models.Model):
    """That a rule fired for a record — the unique pair makes each escalation fire once,
    whatever the number of workers or restarts."""

    record = models.ForeignKey(SlaRecord, on_delete=models.CASCADE, related_name="firings")
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="firings")
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("escalation fired")
        constraints = [
            models.UniqueConstraint(fields=["record", "rule"], name="escalation_fires_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule} @ {self.fired_at:%Y-%m-%d %H:%M}"


class Outage(TimeStampedModel):
    """A service interruption, for all customers or one."""

    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="outages",
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outages",
        help_text=_("Leave empty when every customer of the service was affected."),
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    planned = models.BooleanField(_("planned maintenance"), default=False)
    incident_reference = models.CharField(_("incident"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = OutageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gt=models.F("started_at")),
                name="outage_ends_after_start",
                violation_error_message=_("An outage must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("sla:outage", args=[self.pk])
