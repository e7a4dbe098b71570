"""What the benchmark scripts share: the linters they run (their command-line options and where
they are), the corpus of real migration folders, and Markdown tables."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Real migration folders, next to the repository, never in it (see its README.md).
CORPUS = REPO.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent


def add_migration_lint_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--migration-lint",
        default=str(BIN / "migration-lint"),
        help="migration-lint executable [the one next to this Python]",
    )


def add_tool_arguments(parser: argparse.ArgumentParser) -> None:
    add_migration_lint_argument(parser)
    parser.add_argument("--squawk", default="squawk", help="squawk executable [squawk on PATH]")


def find_migration_lint(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The migration-lint executable; exits through the parser when it is missing."""
    migration_lint = shutil.which(str(args.migration_lint))
    if migration_lint is None:
        parser.error(f"migration-lint not found: {args.migration_lint} (pip install -e .)")
    return migration_lint


def find_tools(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[str, str] | None:
    """The migration-lint and squawk executables; None (with a message) when squawk is missing."""
    migration_lint = find_migration_lint(parser, args)
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


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
