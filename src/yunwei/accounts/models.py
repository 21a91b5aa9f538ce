from __future__ import annotations

import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.querysets import (
    ApiTokenQuerySet,
    OrganizationQuerySet,
    RoleQuerySet,
    TeamQuerySet,
    UserManager,
)
from yunwei.accounts.roles import RoleCode
from yunwei.core.models import TimeStampedModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("Unknown time zone “%(value)s”."), code="invalid", params={"value": value}
        )


class OrganizationKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    PROVIDER = "provider", _("Provider")


class Organization(TimeStampedModel):
    """A customer organization, or the service provider itself."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=OrganizationKind.choices,
        default=OrganizationKind.CUSTOMER,
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:organization", args=[self.pk])


class Role(models.Model):
    """A role of API.md; its permissions live on the linked group (see roles.py)."""

    code = models.CharField(_("code"), max_length=30, unique=True, choices=RoleCode.choices)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="role")
    require_two_factor = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_("Users with this role must set up an authenticator app to sign in."),
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.label)

    def get_absolute_url(self) -> str:
        return reverse("accounts:role", args=[self.pk])

    @property
    def label(self) -> str:
        return str(RoleCode(self.code).label)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their e-mail address."""

    email = models.EmailField(_("e-mail"), max_length=254)
    name = models.CharField(_("name"), max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="users"
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.DEFAULT_USER_TIMEZONE,
        validators=[validate_timezone],
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_organization_admin = models.BooleanField(
        _("organization admin"),
        default=False,
        help_text=_("Sees and answers every ticket of their organization in the customer portal."),
    )
    is_staff = models.BooleanField(
        _("Django admin access"), default=False, help_text=_("May open the /admin/ site.")
    )
    date_joined = models.DateTimeField(_("joined"), default=django_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message=_("A user with this e-mail address already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_absolute_url(self) -> str:
        return reverse("accounts:user", args=[self.pk])

    def clean(self) -> None:
        self.email = type(self).objects.normalize_email(self.email).lower()

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(Role.objects.filter(group__user=self).values_list("code", flat=True))

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes.intersection(codes))

    @cached_property
    def is_provider_staff(self) -> bool:
        """Works for the provider in a role beyond requesting: sees every organization."""
        if self.is_superuser:
            return True
        return self.organization.kind == OrganizationKind.PROVIDER and bool(
            self.role_codes - {RoleCode.REQUESTER}
        )

    @property
    def requires_two_factor(self) -> bool:
        return Role.objects.filter(group__user=self, require_two_factor=True).exists()


class Team(TimeStampedModel):
    """A group of agents with a lead, to which work is assigned."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("team e-mail"), blank=True)
    lead = models.ForeignKey(
        User,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="teams", blank=True
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:team", args=[self.pk])


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 digest of the token is stored; the
    token itself is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        now = django_timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
