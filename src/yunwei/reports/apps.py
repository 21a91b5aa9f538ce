from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Read-only: metrics and dashboards aggregated in SQL; no models of its own."""

    name = "yunwei.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from yunwei.core.navigation import MenuItem, add_menu_item

        add_menu_item(
            "overview",
            MenuItem(
                _("Dashboard"), "reports:dashboard", "ti-dashboard", "tickets.view_ticket", True
            ),
        )
        add_menu_item(
            "quality",
            MenuItem(
                _("SLA compliance"),
                "reports:sla_compliance",
                "ti-report-analytics",
                "sla.view_slarecord",
                True,
            ),
        )
