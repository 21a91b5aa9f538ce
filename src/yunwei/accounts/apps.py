from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yunwei.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from yunwei.accounts import auth_events
        from yunwei.accounts.roles import sync_roles

        auth_events.connect()

        # Roles and their permissions are defined in code (roles.py); the groups that
        # carry them are brought in line after every migrate.
        post_migrate.connect(sync_roles, sender=self)
