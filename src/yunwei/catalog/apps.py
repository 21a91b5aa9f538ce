from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_READ = {"catalog.view_service"}

# Merged into the roles by accounts.roles.granted_permissions().
ROLE_PERMISSIONS: dict[str, set[str]] = {
    "admin": {f"catalog.{verb}_service" for verb in ("view", "add", "change", "delete")},
    "team_lead": _READ,
    "agent": _READ,
    "change_manager": _READ,
    "cab_member": _READ,
    "project_manager": _READ,
    "security_officer": _READ,
    "quality_manager": _READ | {"catalog.change_service"},
    "hr_manager": _READ,
    "auditor": _READ,
}


class CatalogConfig(AppConfig):
    name = "yunwei.catalog"
    label = "catalog"
    verbose_name = _("Service catalogue")
    role_permissions = ROLE_PERMISSIONS

    def ready(self) -> None:
        from yunwei.core.navigation import MenuItem, add_menu_item

        add_menu_item(
            "overview",
            MenuItem(
                _("Service catalogue"),
                "catalog:service_list",
                "ti-list-details",
                "catalog.view_service",
                customers=True,
            ),
        )
