from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ROLE_PERMISSIONS: dict[str, set[str]] = {
    # Raw mail holds every customer's messages: administrators only.
    "admin": {
        "inbound.view_inboundmessage",
        "inbound.change_inboundmessage",  # process again
        "inbound.view_senderdomain",
        "inbound.add_senderdomain",
        "inbound.change_senderdomain",
        "inbound.delete_senderdomain",
    },
}


class InboundConfig(AppConfig):
    name = "yunwei.inbound"
    label = "inbound"
    verbose_name = _("Inbound e-mail")
    role_permissions = ROLE_PERMISSIONS

    def ready(self) -> None:
        from yunwei.core.navigation import MenuItem, add_menu_item

        add_menu_item(
            "admin",
            MenuItem(
                _("Inbound e-mail"),
                "inbound:message_list",
                "ti-mail-down",
                "inbound.view_inboundmessage",
            ),
        )
        add_menu_item(
            "admin",
            MenuItem(
                _("Sender domains"),
                "inbound:sender_domain_list",
                "ti-world-www",
                "inbound.view_senderdomain",
            ),
        )
