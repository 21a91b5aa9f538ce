"""`yunwei bench generate --tickets N [--seed S] [--no-progress]`: benchmark data.

The generator lives in bench/ at the root of a source checkout (it is not installed with
the package), so this command only works from one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

import yunwei


def _checkout() -> Path:
    root = Path(yunwei.__file__).resolve().parents[2]
    if not (root / "bench" / "generate.py").is_file():
        raise CommandError(
            f"bench/generate.py not found under {root}: `yunwei bench` runs from a source "
            "checkout of Yunwei, not from an installed package."
        )
    return root


class Command(BaseCommand):
    help = (
        "Benchmark data: `yunwei bench generate --tickets N` fills a migrated database "
        "without tickets with N deterministic tickets and everything around them, then "
        "prints a JSON summary."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("operation", choices=["generate"])
        parser.add_argument("--tickets", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=20261205)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, operation: str, **options: Any) -> None:
        if options["tickets"] < 1:
            raise CommandError("--tickets must be at least 1")
        root = str(_checkout())
        if root not in sys.path:
            sys.path.insert(0, root)
        from bench.generate import GenerateError, generate

        try:
            summary = generate(
                tickets=options["tickets"],
                seed=options["seed"],
                progress=not options["no_progress"],
            )
        except GenerateError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False))
