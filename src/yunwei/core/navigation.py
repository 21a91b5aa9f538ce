"""The left menu, grouped by the chapters of the IT service manual.

Apps add their entries to MENU; a chapter with no entry the user may open is hidden,
so the menu grows as modules land without dead links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    label: str | Promise
    url_name: str
    icon: str
    permission: str = ""
    customers: bool = False  # shown to customers' users too

    def allowed(self, user: Any) -> bool:
        if not user.is_provider_staff:
            return self.customers
        return not self.permission or user.has_perm(self.permission)


@dataclass
class Chapter:
    code: str
    label: str | Promise
    items: list[MenuItem] = field(default_factory=list)


MENU: list[Chapter] = [
    Chapter("overview", _("Service overview")),
    Chapter("desk", _("Service desk")),
    Chapter("delivery", _("Service delivery")),
    Chapter("quality", _("Quality")),
    Chapter("security", _("Information security")),
    Chapter("complaints", _("Complaints")),
    Chapter("people", _("Staff and training")),
    Chapter("documents", _("Documents")),
    Chapter(
        "admin",
        _("Administration"),
        [
            MenuItem(_("Users"), "accounts:user_list", "ti-users", "accounts.view_user"),
            MenuItem(
                _("Organizations"),
                "accounts:organization_list",
                "ti-building",
                "accounts.view_organization",
            ),
            MenuItem(_("Teams"), "accounts:team_list", "ti-users-group", "accounts.view_team"),
            MenuItem(_("Roles"), "accounts:role_list", "ti-shield-lock", "accounts.view_role"),
            MenuItem(_("Audit trail"), "audit_list", "ti-history", "core.view_auditentry"),
        ],
    ),
]


def add_menu_item(chapter: str, item: MenuItem) -> None:
    next(c for c in MENU if c.code == chapter).items.append(item)


def navigation(request: HttpRequest) -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """Context processor: the chapters and entries this user may open (built lazily)."""

    def build() -> list[dict[str, Any]]:
        user = request.user
        if not user.is_authenticated:
            return []
        chapters = []
        for chapter in MENU:
            items = [
                {"label": i.label, "url": reverse(i.url_name), "icon": i.icon, "active": False}
                for i in chapter.items
                if i.allowed(user)
            ]
            if items:
                chapters.append({"label": chapter.label, "items": items})
        # The entry whose address is the longest prefix of this page is the current one
        # (/tickets/settings/ is the settings entry, not /tickets/).
        matching = [
            item
            for chapter in chapters
            for item in chapter["items"]
            if request.path.startswith(item["url"])
        ]
        if matching:
            max(matching, key=lambda item: len(item["url"]))["active"] = True
        return chapters

    return {"menu": build}
