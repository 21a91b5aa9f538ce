from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from yunwei.tickets import actions, search


class Command(BaseCommand):
    help = (
        "Service desk upkeep. `yunwei tickets reindex` rebuilds the full-text index (after "
        "a restore or a bulk import); `yunwei tickets close-resolved` closes tickets left "
        "resolved beyond YUNWEI_TICKET_AUTO_CLOSE_DAYS (the worker does it hourly)."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        sub.add_parser("reindex", help="rebuild the full-text search index")
        sub.add_parser("close-resolved", help="close tickets resolved long enough ago")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        if operation == "reindex":
            started = time.monotonic()
            count = search.rebuild_all()
            self.stdout.write(f"{count} tickets indexed in {time.monotonic() - started:.1f} s")
        else:
            self.stdout.write(f"{actions.close_resolved_tickets()} tickets closed")
