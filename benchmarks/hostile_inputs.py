"""Time `migration-lint` on the hostile inputs of docs/reliability.md ("Files and configuration").

Builds each input in a temporary folder, runs the command once with a time limit, and prints a
Markdown table: the case, the command, its exit status (or "killed" past the limit) and the
wall-clock time. The suite asserts what these runs report (tests/test_hostile_files.py); this
script only says how long they take, e.g. before and after a change:

    python benchmarks/hostile_inputs.py [--timeout 300] [--only TEXT] [--migration-lint PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools import add_migration_lint_argument, find_migration_lint, markdown_table


def journal(folder: Path, entries: int) -> None:
    """A drizzle folder whose journal lists `entries` migrations, as drizzle-kit writes it; only
    the first has its SQL file, so check-naming reports every other entry."""
    (folder / "drizzle" / "meta").mkdir(parents=True)
    (folder / "drizzle" / "0000_m.sql").write_text("SELECT 1;\n")
    rows = [
        {
            "idx": i,
            "version": "7",
            "when": 1767225600000 + i,
            "tag": f"{i:04d}_m",
            "breakpoints": True,
        }
        for i in range(entries)
    ]
    text = json.dumps({"version": "7", "dialect": "postgresql", "entries": rows}, indent=2)
    (folder / "drizzle" / "meta" / "_journal.json").write_text(text)


def raised_limit(folder: Path, entries: int, mib: int) -> None:
    """journal(), read whatever its size: how long the checks take, not the size limit."""
    journal(folder, entries)
    (folder / ".migration-lint.toml").write_text(f"max-file-size = {mib}\n")


def directives(folder: Path, count: int) -> None:
    """A table of `count` columns, then a migration dropping each one, every drop declared with
    an `allow` directive and a rollback plan."""
    (folder / "m").mkdir()
    columns = ", ".join(f"c{i} int" for i in range(count))
    (folder / "m" / "0001_t.sql").write_text(f"CREATE TABLE t (id int, {columns});\n")
    (folder / "m" / "0002_drop.sql").write_text(
        "".join(
            f"-- migration-lint: allow drop-column -- column {i} moved to the archive\n"
            f"-- rollback:\n-- ALTER TABLE t ADD COLUMN c{i} int;\n"
            f"ALTER TABLE t DROP COLUMN c{i};\n"
            for i in range(count)
        )
    )


def long_directive(folder: Path, spaces: int) -> None:
    (folder / "m").mkdir()
    (folder / "m" / "0001_x.sql").write_text(
        "-- migration-lint: ignore x" + " " * spaces + "y\nSELECT 1;\n"
    )


def fifo(folder: Path) -> None:
    (folder / "m").mkdir()
    (folder / "m" / "0001_x.sql").write_text("SELECT 1;\n")
    os.mkfifo(folder / "m" / "0002_x.sql")


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]
    command: list[str]


CASES = [
    Case("journal of 80,000 entries", lambda f: journal(f, 80_000), ["check-naming", "drizzle"]),
    Case(
        "journal of 1,000,000 entries (134 MB)",
        lambda f: journal(f, 1_000_000),
        ["check-naming", "drizzle"],
    ),
    Case(
        "the same, `max-file-size = 256`",
        lambda f: raised_limit(f, 1_000_000, 256),
        ["check-naming", "drizzle"],
    ),
    Case("8,000 allow directives in one file", lambda f: directives(f, 8_000), ["lint", "m"]),
    Case(
        "a directive line with 200,000 spaces", lambda f: long_directive(f, 200_000), ["lint", "m"]
    ),
    # As pre-commit passes a staged file; in a folder, it used to be left out without a word.
    Case("a FIFO named 0002_x.sql", fifo, ["lint", "m/0002_x.sql"]),
]


def timed(migration_lint: str, case: Case, timeout: float) -> tuple[str, str]:
    """The exit status (or "killed") and the seconds of one run of the case."""
    with tempfile.TemporaryDirectory() as folder:
        case.build(Path(folder))
        start = time.perf_counter()
        try:
            result = subprocess.run(
                [migration_lint, *case.command, "--quiet"],
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return "killed", f"> {timeout:g}"
        return str(result.returncode), f"{time.perf_counter() - start:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_migration_lint_argument(parser)
    parser.add_argument("--timeout", type=float, default=300, help="seconds a run may take [300]")
    parser.add_argument("--only", default="", help="only the inputs whose name holds this text")
    args = parser.parse_args()
    migration_lint = find_migration_lint(parser, args)
    rows = []
    for case in (c for c in CASES if args.only in c.name):
        status, seconds = timed(migration_lint, case, args.timeout)
        rows.append((case.name, f"`{' '.join(case.command)}`", status, seconds))
        print(f"{case.name}: exit {status}, {seconds} s", flush=True)
    print()
    print(markdown_table(("input", "command", "exit", "seconds"), rows))


if __name__ == "__main__":
    main()
