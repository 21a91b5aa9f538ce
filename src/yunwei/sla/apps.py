from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_READ = {"sla.view_calendar", "sla.view_agreement", "sla.view_slarecord", "sla.view_outage"}
_MANAGE = {
    f"sla.{verb}_{model}"
    for verb in ("view", "add", "change", "delete")
    for model in ("calendar", "agreement", "outage")
} | {"sla.view_slarecord"}


class SlaConfig(AppConfig):
    name = "yunwei.sla"
    label = "sla"
    verbose_name = _("Service levels")
    role_permissions = {
        "admin": _MANAGE,
        "team_lead": _READ | {"sla.add_outage", "sla.change_outage"},
        "agent": _READ | {"sla.add_outage", "sla.change_outage"},
        "change_manager": _READ,
        "cab_member": _READ,
        "project_manager": _READ,
        "security_officer": _READ,
        "quality_manager": _MANAGE,
        "hr_manager": set(),
        "auditor": _READ,
    }

    def ready(self) -> None:
        from yunwei.core.navigation import MenuItem, add_menu_item

        add_menu_item(
            "overview",
            MenuItem(
                _("Service level agreements"),
                "sla:agreement_list",
                "ti-clock-check",
                "sla.view_agreement",
            ),
        )
        add_menu_item(
            "overview",
            MenuItem(
                _("Business calendars"),
                "sla:calendar_list",
                "ti-calendar-time",
                "sla.view_calendar",
            ),
        )
        add_menu_item(
            "overview",
            MenuItem(
                _("Availability"), "sla:availability", "ti-activity-heartbeat", "sla.view_outage"
            ),
        )
