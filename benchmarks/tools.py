"""What the benchmark scripts share: the linters they run (their command-line options and where
they are), the corpus of real migration folders and its drizzle and Prisma folders, and Markdown
tables."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Real migration folders, next to the repository, never in it (see its README.md).
CORPUS = REPO.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent
JOURNAL = Path("meta") / "_journal.json"  # a drizzle folder's journal


@dataclass(frozen=True)
class Folder:
    kind: str  # "drizzle" or "prisma"
    source: Path

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.source.name}"


def corpus_folders(corpus: Path) -> tuple[list[Folder], list[Path]]:
    """The drizzle and Prisma migration folders of the corpus, and the folders that are neither."""
    folders, skipped = [], []
    for kind_dir in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for source in sorted(p for p in kind_dir.iterdir() if p.is_dir()):
            if kind_dir.name == "drizzle" and (source / JOURNAL).is_file():
                folders.append(Folder("drizzle", source))
            elif kind_dir.name == "prisma" and prisma_migrations(source):
                folders.append(Folder("prisma", source))
            else:
                skipped.append(source)
    return folders, skipped


def prisma_migrations(folder: Path) -> list[str]:
    """The migration folders' names, in the order Prisma Migrate applies them (by name)."""
    return sorted(p.parent.name for p in folder.glob("*/migration.sql"))


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


def cell(text: str) -> str:
    """Text made safe for one cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
