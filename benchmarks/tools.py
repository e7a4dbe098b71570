"""The two linters the benchmark scripts run: their command-line options and where they are."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def add_tool_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--migration-lint",
        default=str(Path(sys.executable).parent / "migration-lint"),
        help="migration-lint executable [the one next to this Python]",
    )
    parser.add_argument("--squawk", default="squawk", help="squawk executable [squawk on PATH]")


def find_tools(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, str] | None:
    """The migration-lint and squawk executables; None (with a message) when squawk is missing."""
    migration_lint = shutil.which(args.migration_lint)
    if migration_lint is None:
        parser.error(f"migration-lint not found: {args.migration_lint} (pip install -e .)")
    squawk = shutil.which(args.squawk)
    if squawk is None:
        print(
            f"squawk not found ({args.squawk!r}). Install it in a separate virtualenv, e.g.\n"
            "  python3 -m venv /tmp/squawkenv && /tmp/squawkenv/bin/pip install squawk-cli\n"
            "then pass --squawk /tmp/squawkenv/bin/squawk",
            file=sys.stderr,
        )
        return None
    return migration_lint, squawk
