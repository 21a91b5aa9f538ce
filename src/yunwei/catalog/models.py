from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunwei.accounts.models import Organization, Team
from yunwei.catalog.querysets import ServiceQuerySet, prefers_chinese
from yunwei.core.models import TimeStampedModel


class ServiceCategory(models.TextChoices):
    SOFTWARE_DEVELOPMENT = (
        "software_development",
        pgettext_lazy("service category", "Software development"),
    )
    SYSTEM_INTEGRATION = (
        "system_integration",
        pgettext_lazy("service category", "System integration"),
    )
    DATA_MANAGEMENT = "data_management", pgettext_lazy("service category", "Data management")
    NETWORK = "network", pgettext_lazy("service category", "Network")
    SECURITY = "security", pgettext_lazy("service category", "Security")
    CLOUD = "cloud", pgettext_lazy("service category", "Cloud")
    OPERATIONS = "operations", pgettext_lazy("service category", "Operations")
    CONSULTING = "consulting", pgettext_lazy("service category", "Consulting")
    OTHER = "other", pgettext_lazy("service category", "Other")


class ServiceStatus(models.TextChoices):
    PIPELINE = "pipeline", pgettext_lazy("service status", "Pipeline")
    LIVE = "live", pgettext_lazy("service status", "Live")
    RETIRED = "retired", pgettext_lazy("service status", "Retired")


class Service(TimeStampedModel):
    """An entry of the service catalogue, subscribed to by customer organizations."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=30, choices=ServiceCategory.choices)
    owner_team = models.ForeignKey(
        Team,
        verbose_name=_("owner team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.LIVE
    )
    organizations = models.ManyToManyField(
        Organization,
        verbose_name=_("customers"),
        related_name="services",
        blank=True,
        help_text=_("The organizations that subscribe to this service; their users see it."),
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name or self.code

    def get_absolute_url(self) -> str:
        return reverse("catalog:service", args=[self.pk])

    @property
    def display_name(self) -> str:
        """The name in the active language, else the other one."""
        first, second = (
            (self.name_zh, self.name_en) if prefers_chinese() else (self.name_en, self.name_zh)
        )
        return first or second

    def clean(self) -> None:
        self.name_zh = (self.name_zh or "").strip()
        self.name_en = (self.name_en or "").strip()
        if not self.name_zh and not self.name_en:
            raise ValidationError(
                {"name_zh": _("Give the service a name in Chinese, in English or both.")},
                code="required",
            )
