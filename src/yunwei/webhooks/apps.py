from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Webhooks carry secrets and reach other systems: administrators only.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    "admin": {
        f"webhooks.{verb}_{model}"
        for verb in ("view", "add", "change", "delete")
        for model in ("webhooksubscription", "webhookdelivery")
    },
}


class WebhooksConfig(AppConfig):
    name = "yunwei.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")
    role_permissions = ROLE_PERMISSIONS

    def ready(self) -> None:
        from yunwei.core import events
        from yunwei.core.navigation import MenuItem, add_menu_item
        from yunwei.webhooks.listener import on_event

        events.listen(on_event)
        add_menu_item(
            "admin",
            MenuItem(
                _("Webhooks"), "webhooks:list", "ti-webhook", "webhooks.view_webhooksubscription"
            ),
        )
