from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ROLE_PERMISSIONS: dict[str, set[str]] = {
    # The "Outgoing e-mail" page, and re-sending a message from it.
    "admin": {"notifications.view_outboundemail", "notifications.change_outboundemail"},
}


class NotificationsConfig(AppConfig):
    name = "yunwei.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    role_permissions = ROLE_PERMISSIONS

    def ready(self) -> None:
        from yunwei.core import events
        from yunwei.core.navigation import MenuItem, add_menu_item
        from yunwei.notifications import listener

        events.listen(listener.on_event)
        add_menu_item(
            "admin",
            MenuItem(
                _("Outgoing e-mail"),
                "notifications:outbound_list",
                "ti-mail-forward",
                "notifications.view_outboundemail",
            ),
        )
