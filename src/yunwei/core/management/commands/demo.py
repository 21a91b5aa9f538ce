from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from yunwei.accounts import demo as accounts_demo
from yunwei.catalog import demo as catalog_demo
from yunwei.core import events
from yunwei.sla import demo as sla_demo
from yunwei.tickets import demo as tickets_demo


class Command(BaseCommand):
    help = "Load demonstration data (safe to run again) and print the demo sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo history is backdated: nobody is mailed or called about it.
        with transaction.atomic(), events.muted():
            logins = accounts_demo.load()
            catalog_demo.load()
            sla_demo.load()
            tickets = tickets_demo.load()
        self.stdout.write(f"Demo sign-ins (password for all: {accounts_demo.DEMO_PASSWORD}):")
        for address, roles in logins:
            self.stdout.write(f"  {address:<36} {roles}")
        self.stdout.write(f"Demo service desk: {tickets} tickets.")
