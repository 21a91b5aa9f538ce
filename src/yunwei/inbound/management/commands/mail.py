from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yunwei.core.context import origin
from yunwei.inbound import actions, mailboxes
from yunwei.inbound.models import InboundMessage

EX_DATAERR = 65
EX_TEMPFAIL = 75  # the MTA keeps the message and tries again later


class Command(BaseCommand):
    help = (
        "Inbound e-mail. `yunwei mail ingest` reads one message on stdin (an MTA pipe); "
        "`yunwei mail fetch` empties the mailboxes of YUNWEI_MAIL_INBOXES; "
        "`yunwei mail reprocess ID` or `--quarantined` runs quarantined messages again."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="operation", required=True)
        sub.add_parser("ingest", help="store and process one RFC 5322 message from stdin")
        sub.add_parser("fetch", help="download, store and process mail from the mailboxes")
        again = sub.add_parser("reprocess", help="process a quarantined or rejected message again")
        again.add_argument("id", nargs="?", type=int, help="the inbound message's id")
        again.add_argument("--quarantined", action="store_true", help="every quarantined one")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        with origin("email"):
            if operation == "ingest":
                self.ingest(options.get("stdin") or sys.stdin.buffer)
            elif operation == "fetch":
                self.fetch()
            else:
                self.reprocess(options.get("id"), options.get("quarantined", False))

    def ingest(self, stream: Any) -> None:
        try:
            raw, size, sha256 = actions.read_capped(stream)
        except OSError as error:
            raise CommandError(
                f"cannot read the message: {error}", returncode=EX_TEMPFAIL
            ) from error
        if not raw.strip():
            raise CommandError("no message on stdin", returncode=EX_DATAERR)
        try:
            row, created = actions.store_message(raw, source="pipe", size=size, sha256=sha256)
        except Exception as error:  # not stored: the MTA must try again
            raise CommandError(
                f"cannot store the message: {error}", returncode=EX_TEMPFAIL
            ) from error
        # Stored and committed: from here on the message is ours, whatever happens.
        if not created:
            self.stdout.write(f"message {row.pk} was already received ({row.state})")
            return
        try:
            row = actions.process_message(row)
        except Exception as error:  # stored; the worker's sweep processes it
            self.stderr.write(f"message {row.pk} stored, not yet processed: {error}")
            return
        self.stdout.write(f"message {row.pk}: {row.state}")

    def fetch(self) -> None:
        failed = False
        for report in mailboxes.fetch_all():
            if report.error:
                failed = True
                self.stderr.write(f"{report.mailbox}: {report.error}")
            else:
                self.stdout.write(f"{report.mailbox}: {report.stored} messages")
        if failed:
            raise CommandError("some mailboxes could not be read")

    def reprocess(self, pk: int | None, quarantined: bool) -> None:
        if quarantined:
            rows = actions.reprocess_quarantined(actor=None)
        elif pk is not None:
            row = InboundMessage.objects.filter(pk=pk).first()
            if row is None:
                raise CommandError(f"no inbound message {pk}")
            try:
                rows = [actions.reprocess_message(row, actor=None)]
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        else:
            raise CommandError("give a message id or --quarantined")
        for row in rows:
            self.stdout.write(f"message {row.pk}: {row.state} {row.reason}".rstrip())
