from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yunwei.accounts import actions
from yunwei.accounts.management.commands.user import validation_message
from yunwei.accounts.models import User


class Command(BaseCommand):
    help = "API tokens. `yunwei token create EMAIL [--name N] [--days D]` prints the token alone."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        create = sub.add_parser("create", help="create a token and print it alone on stdout")
        create.add_argument("email")
        create.add_argument("--name", default="cli")
        create.add_argument("--days", type=int, default=None)

    def handle(
        self, *args: Any, operation: str, email: str, name: str, days: int | None, **options: Any
    ) -> None:
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user with e-mail {email}")
        try:
            _token, secret = actions.create_api_token(user, actor=None, name=name, days=days)
        except ValidationError as error:
            raise CommandError(validation_message(error)) from error
        self.stdout.write(secret)
