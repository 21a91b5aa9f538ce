from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from yunwei.accounts.models import Organization, Role, Team, User
from yunwei.core.tables import TABLE_ATTRS


class OrganizationTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = Organization
        fields = ["name", "code", "kind", "is_active", "created_at"]
        sequence = ["name", "code", "kind", "is_active", "created_at"]
        attrs = TABLE_ATTRS


class UserTable(tables.Table):
    email = tables.Column(linkify=True)
    organization = tables.Column(linkify=True)
    roles = tables.Column(verbose_name=_("Roles"), empty_values=(), orderable=False)
    last_login = tables.DateTimeColumn(format="Y-m-d H:i")

    class Meta:
        model = User
        fields = ["email", "name", "organization", "roles", "is_active", "last_login"]
        attrs = TABLE_ATTRS

    def render_roles(self, record: User) -> str:
        return ", ".join(sorted(str(g.role) for g in record.groups.all() if hasattr(g, "role")))


class TeamTable(tables.Table):
    name = tables.Column(linkify=True)
    lead = tables.Column(linkify=True)
    member_count = tables.Column(verbose_name=_("Members"), empty_values=(), orderable=False)

    class Meta:
        model = Team
        fields = ["name", "lead", "member_count", "email"]
        attrs = TABLE_ATTRS

    def render_member_count(self, record: Team) -> int:
        return len(record.members.all())


class RoleTable(tables.Table):
    label = tables.Column(verbose_name=_("Role"), linkify=True, empty_values=(), order_by="code")
    code = tables.Column()
    require_two_factor = tables.BooleanColumn()

    class Meta:
        model = Role
        fields = ["label", "code", "require_two_factor"]
        attrs = TABLE_ATTRS
