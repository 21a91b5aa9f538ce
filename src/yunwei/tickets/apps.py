from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_CONFIG_MODELS = ("category", "prioritycell", "cannedresponse", "assignmentrule")
_WORK = {
    "tickets.view_ticket",
    "tickets.add_ticket",
    "tickets.change_ticket",
    "tickets.view_comment",
    "tickets.add_comment",
    "tickets.add_attachment",
    "tickets.add_ticketlink",
    "tickets.delete_ticketlink",
    "tickets.view_survey",
    "tickets.view_category",
    "tickets.view_cannedresponse",
    "tickets.view_assignmentrule",
}
_READ = {"tickets.view_ticket", "tickets.view_comment", "tickets.view_survey"}
_CONFIGURE = {
    f"tickets.{verb}_{model}"
    for verb in ("view", "add", "change", "delete")
    for model in _CONFIG_MODELS
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    # Customers' users raise tickets, reply and attach; `visible_to` limits them to their
    # own organization and to public comments.
    "requester": {"tickets.add_ticket", "tickets.add_comment", "tickets.add_attachment"},
    "agent": _WORK,
    "team_lead": _WORK | {"tickets.change_cannedresponse", "tickets.add_cannedresponse"},
    "admin": _WORK | _CONFIGURE,
    "quality_manager": _READ | {"tickets.view_category"},
    "change_manager": _READ,
    "cab_member": _READ,
    "project_manager": _READ,
    "security_officer": _READ,
    "auditor": _READ,
    "hr_manager": set(),
}


class TicketsConfig(AppConfig):
    name = "yunwei.tickets"
    label = "tickets"
    verbose_name = _("Service desk")
    role_permissions = ROLE_PERMISSIONS

    def ready(self) -> None:
        from yunwei.core.navigation import MenuItem, add_menu_item
        from yunwei.sla import escalation
        from yunwei.tickets import sla_link

        escalation.register(
            "tickets.ticket",
            escalation.Handler(
                reassign=sla_link.escalate_reassign,
                raise_priority=sla_link.escalate_priority,
                records_changed=sla_link.sync_due,
                lock=sla_link.lock,
                alert=sla_link.alert,
            ),
        )
        add_menu_item(
            "desk",
            MenuItem(_("Tickets"), "tickets:ticket_list", "ti-ticket", "tickets.view_ticket", True),
        )
        add_menu_item(
            "desk",
            MenuItem(
                _("Satisfaction"), "tickets:satisfaction", "ti-mood-smile", "tickets.view_survey"
            ),
        )
        add_menu_item(
            "desk",
            MenuItem(
                _("Canned responses"),
                "tickets:canned_response_list",
                "ti-message-2",
                "tickets.change_cannedresponse",
            ),
        )
        add_menu_item(
            "admin",
            MenuItem(
                _("Ticket settings"),
                "tickets:settings",
                "ti-adjustments",
                "tickets.change_category",
            ),
        )
