"""The roles of Yunwei (codes fixed by API.md) and the permissions each one carries.

Each role is a Django group holding model permissions; `sync_roles` creates or updates
the groups after every migrate, so code is the single source of truth. Other apps grant
their own permissions by giving their AppConfig a `role_permissions` mapping of the same
shape as ROLE_PERMISSIONS; `sync_roles` merges them all.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    CHANGE_MANAGER = "change_manager", _("Change manager")
    CAB_MEMBER = "cab_member", _("CAB member")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    SECURITY_OFFICER = "security_officer", _("Security officer")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    HR_MANAGER = "hr_manager", _("HR manager")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


ROLE_DESCRIPTIONS = {
    RoleCode.REQUESTER: _(
        "Raises incidents, requests and complaints; sees only their organization."
    ),
    RoleCode.AGENT: _("Works queues, records time and resolutions, writes knowledge."),
    RoleCode.TEAM_LEAD: _("Assigns, escalates, watches SLAs and manages their teams."),
    RoleCode.CHANGE_MANAGER: _("Assesses, schedules and approves changes."),
    RoleCode.CAB_MEMBER: _("Reviews changes in the change advisory board."),
    RoleCode.PROJECT_MANAGER: _("Plans and tracks delivery projects."),
    RoleCode.SECURITY_OFFICER: _("Owns classification, security incidents, audits and drills."),
    RoleCode.QUALITY_MANAGER: _("Runs surveys, improvement plans and quality reviews."),
    RoleCode.HR_MANAGER: _("Manages recruitment, training and staff evaluation."),
    RoleCode.AUDITOR: _("Reads everything, changes nothing: evidence for audits."),
    RoleCode.ADMIN: _("Manages users, organizations, teams, roles and settings."),
}

# "app_label.codename" per role. Viewing is scoped further by each model's visible_to().
ROLE_PERMISSIONS: dict[str, set[str]] = {
    RoleCode.REQUESTER: set(),
    RoleCode.AGENT: {"accounts.view_organization", "accounts.view_user", "accounts.view_team"},
    RoleCode.TEAM_LEAD: {
        "accounts.view_organization",
        "accounts.view_user",
        "accounts.view_team",
        "accounts.change_team",
    },
    RoleCode.CHANGE_MANAGER: {
        "accounts.view_organization",
        "accounts.view_user",
        "accounts.view_team",
    },
    RoleCode.CAB_MEMBER: {"accounts.view_organization", "accounts.view_user", "accounts.view_team"},
    RoleCode.PROJECT_MANAGER: {
        "accounts.view_organization",
        "accounts.view_user",
        "accounts.view_team",
    },
    RoleCode.SECURITY_OFFICER: {
        "accounts.view_organization",
        "accounts.view_user",
        "accounts.view_team",
        "accounts.view_role",
        "core.view_auditentry",
    },
    RoleCode.QUALITY_MANAGER: {
        "accounts.view_organization",
        "accounts.view_user",
        "accounts.view_team",
    },
    RoleCode.HR_MANAGER: {"accounts.view_organization", "accounts.view_user", "accounts.view_team"},
    RoleCode.AUDITOR: {
        "accounts.view_organization",
        "accounts.view_user",
        "accounts.view_team",
        "accounts.view_role",
        "core.view_auditentry",
    },
    RoleCode.ADMIN: {
        f"{app}.{verb}_{model}"
        for app, model in [
            ("accounts", "organization"),
            ("accounts", "user"),
            ("accounts", "team"),
            ("accounts", "role"),
        ]
        for verb in ("view", "add", "change", "delete")
    }
    | {"core.view_auditentry"},
}


def granted_permissions() -> dict[str, set[str]]:
    """ROLE_PERMISSIONS merged with every app's `role_permissions`."""
    from django.apps import apps

    merged = {code: set(perms) for code, perms in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        for code, perms in getattr(config, "role_permissions", {}).items():
            merged.setdefault(code, set()).update(perms)
    return merged


def sync_roles(**kwargs: Any) -> None:
    """Create the role groups and give each exactly its permissions."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from yunwei.accounts.models import Role

    # post_migrate reaches apps in order: make sure every app's permissions exist first.
    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0)
    all_permissions = {
        f"{perm.content_type.app_label}.{perm.codename}": perm
        for perm in Permission.objects.select_related("content_type")
    }
    granted = granted_permissions()
    for code in RoleCode:
        group, _created = Group.objects.get_or_create(name=f"role:{code.value}")
        Role.objects.get_or_create(code=code.value, defaults={"group": group})
        wanted = granted.get(code.value, set())
        group.permissions.set([all_permissions[name] for name in wanted if name in all_permissions])
