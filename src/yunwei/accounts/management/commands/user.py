from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yunwei.accounts import actions
from yunwei.accounts.models import Organization, OrganizationKind


def validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Manage users. `yunwei user create EMAIL [--name N] [--org NAME] [--role CODE ...] "
        "[--password P] [--superuser]`"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("email")
        create.add_argument("--name", default="")
        create.add_argument("--org", help="organization name or code (default: the provider)")
        create.add_argument(
            "--role",
            action="append",
            default=[],
            dest="roles",
            help="role code; repeat for several",
        )
        create.add_argument("--password", help="omit to create a user who must reset it")
        create.add_argument("--superuser", action="store_true")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        org = self._organization(options["org"])
        try:
            user = actions.create_user(
                actor=None,
                email=options["email"],
                name=options["name"],
                organization=org,
                roles=options["roles"],
                password=options["password"],
                is_superuser=options["superuser"],
            )
        except ValidationError as error:
            raise CommandError(validation_message(error)) from error
        self.stdout.write(f"created user {user.email} (id {user.pk}) in {org.name}")

    def _organization(self, name: str | None) -> Organization:
        if name:
            org = (
                Organization.objects.filter(name=name).first()
                or Organization.objects.filter(code=name).first()
            )
            if org is None:
                raise CommandError(f"no organization named “{name}”")
            return org
        org = Organization.objects.filter(kind=OrganizationKind.PROVIDER).order_by("pk").first()
        if org is None:
            org = actions.create_organization(
                actor=None, name="Provider", code="provider", kind=OrganizationKind.PROVIDER
            )
        return org
