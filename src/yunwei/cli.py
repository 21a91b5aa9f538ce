"""`yunwei …`: Django's management commands with friendly verbs.

The verbs below are Yunwei's own; anything else is passed to Django unchanged
(`yunwei shell`, `yunwei createcachetable`, …).
"""

from __future__ import annotations

import os
import sys

VERBS = {
    "serve": "Serve the web UI and API with gunicorn (--bind, --workers, --with-worker).",
    "worker": "Run background jobs and periodic work (django-tasks database queue).",
    "migrate": "Create or upgrade the database schema.",
    "demo": "Load demonstration data (idempotent) and print the demo sign-ins.",
    "user": "Manage users: `yunwei user create EMAIL [--name N] [--org NAME] [--role CODE ...] "
    "[--password P] [--superuser]`.",
    "token": "API tokens: `yunwei token create EMAIL` prints a new token alone on stdout.",
    "audit": "Audit trail: `yunwei audit verify` checks the hash chain; `yunwei audit seal`.",
    "calendar": "Business calendars: `yunwei calendar import-cn YEAR --calendar NAME` fills "
    "China's holidays and adjusted working days.",
    "tickets": "Service desk upkeep: `yunwei tickets reindex` rebuilds the search index; "
    "`yunwei tickets close-resolved` closes tickets left resolved.",
    "mail": "Inbound e-mail: `yunwei mail fetch` empties the mailboxes; `yunwei mail ingest` "
    "takes one message on stdin (MTA pipe); `yunwei mail reprocess ID|--quarantined`.",
    "check": "Check the configuration (`yunwei check --deploy` for production settings).",
}


def usage() -> str:
    lines = ["Usage: yunwei VERB [options]", "", "Verbs:"]
    lines += [f"  {verb:<9} {text}" for verb, text in VERBS.items()]
    lines += [
        "",
        "Any other Django management command works too: `yunwei help` lists them all.",
        "`yunwei VERB --help` explains a verb's options.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunwei.settings")
    if len(argv) < 2 or argv[1] in {"-h", "--help"}:
        print(usage())
        return
    from django.core.management import execute_from_command_line

    from yunwei.core.context import origin

    with origin("cli"):
        execute_from_command_line(["yunwei", *argv[1:]])


if __name__ == "__main__":
    main()
