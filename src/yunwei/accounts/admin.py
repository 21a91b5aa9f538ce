from django.contrib import admin

from yunwei.accounts.models import ApiToken, Organization, Role, Team, User
from yunwei.core.admin_site import ReadOnlyAdmin


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "is_active"]
    search_fields = ["name", "code"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["email", "name", "organization", "is_active", "last_login"]
    list_filter = ["is_active", "organization__kind"]
    search_fields = ["email", "name"]
    exclude = ["password"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "lead"]


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ["code", "require_two_factor"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
