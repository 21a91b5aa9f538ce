"""Scoping: which organizations, users, teams and tokens a user may see.

UI, API and forms all go through `visible_to(user)`; nothing else decides visibility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import BaseUserManager
from django.db import models
from django.utils import timezone

from yunwei.core.permissions import signed_in

if TYPE_CHECKING:
    from yunwei.accounts.models import User


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> OrganizationQuerySet:
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        return self.filter(pk=user.organization_id)


class UserQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> UserQuerySet:
        if not signed_in(user):
            return self.none()
        if user.is_provider_staff:
            return self
        return self.filter(organization_id=user.organization_id)

    def for_list(self) -> UserQuerySet:
        return self.select_related("organization").prefetch_related("groups__role", "teams")


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail addresses sign in case-insensitively.
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        raise NotImplementedError("Create users through yunwei.accounts.actions.create_user")


class RoleQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> RoleQuerySet:
        if not signed_in(user) or not user.is_provider_staff:
            return self.none()
        return self

    def for_list(self) -> RoleQuerySet:
        return self.select_related("group").prefetch_related("group__permissions__content_type")


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user: User | Any) -> TeamQuerySet:
        """Teams are the provider's; customers' users see none of them."""
        if not signed_in(user) or not user.is_provider_staff:
            return self.none()
        return self

    def for_list(self) -> TeamQuerySet:
        return self.select_related("lead").prefetch_related("members")


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )
