from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yunwei.accounts.management.commands.user import validation_message
from yunwei.sla import actions
from yunwei.sla.models import Calendar


class Command(BaseCommand):
    help = "Business calendars. `yunwei calendar import-cn YEAR [YEAR ...] --calendar NAME`"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        importer = sub.add_parser(
            "import-cn", help="fill China's holidays and adjusted working days"
        )
        importer.add_argument("years", nargs="+", type=int)
        importer.add_argument("--calendar", required=True, help="the calendar's name")

    def handle(
        self, *args: Any, operation: str, years: list[int], calendar: str, **options: Any
    ) -> None:
        target = Calendar.objects.filter(name=calendar).first()
        if target is None:
            raise CommandError(f"no calendar named “{calendar}”")
        try:
            updated = actions.import_china_holidays(target, actor=None, years=years)
        except ValidationError as error:
            raise CommandError(validation_message(error)) from error
        in_years = [e for e in updated.exceptions if int(e["date"][:4]) in set(years)]
        holidays = sum(1 for e in in_years if not e["working"])
        self.stdout.write(
            f"{updated.name}: {holidays} holidays and {len(in_years) - holidays} "
            f"adjusted working days for {', '.join(map(str, years))} (version {updated.version})"
        )
