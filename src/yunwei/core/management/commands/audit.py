from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yunwei.core import audit


class Command(BaseCommand):
    help = "Audit trail: `verify` checks the hash chain, `seal` seals pending entries now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("operation", choices=["verify", "seal"])

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        if operation == "seal":
            self.stdout.write(f"sealed {audit.seal_pending()} entries")
            return
        report = audit.verify_chain()
        if not report.ok:
            where = (
                f"entry id {report.bad_entry_id} (seq {report.bad_seq})"
                if report.bad_entry_id
                else f"seq {report.bad_seq}"
            )
            raise CommandError(
                f"audit chain BROKEN at {where}: {report.problem}. "
                f"{report.checked} entries verified before it; {report.unsealed} await sealing."
            )
        self.stdout.write(
            f"audit chain intact: {report.checked} sealed entries verified; "
            f"{report.unsealed} await sealing."
        )
