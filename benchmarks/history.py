"""Time what pre-commit runs: `migration-lint lint` on the newest migration of a long folder,
which replays every earlier one as history, without the history cache, with an empty one, with
one that has the whole history, and with one that has all but the migration before the newest
(a migration was added since the last run).

Generates --files drizzle-style migrations (bench_lint.py's) in a temporary folder, checks that
every case prints the same findings, then runs the cases in turn, --rounds times, and prints a
Markdown table of the median and fastest wall-clock times. "One file, no history" (the oldest
migration) is the start-up and one small file, for reference.

    python benchmarks/history.py [--files 2000] [--rounds 7] [--migration-lint PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_lint import generate
from tools import add_migration_lint_argument, find_migration_lint, markdown_table


@dataclass
class Case:
    name: str
    file: str  # the migration linted
    options: list[str]
    prepare: Callable[[], None]  # before each run, untimed: the cache as the case needs it


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="migrations to generate [2000]")
    parser.add_argument("--rounds", type=int, default=7, help="timed runs of each case [7]")
    add_migration_lint_argument(parser)
    args = parser.parse_args()
    if args.files < 3 or args.rounds < 1:
        parser.error("--files must be at least 3 and --rounds at least 1")
    migration_lint = find_migration_lint(parser, args)

    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        folder = Path(tmp, "migrations")
        folder.mkdir()
        statements = generate(folder, args.files)
        files = sorted(p.name for p in folder.glob("*.sql"))
        cache = Path(tmp, "cache")
        whole, all_but_one = Path(tmp, "whole"), Path(tmp, "all-but-one")

        def run(file: str, options: list[str], cache_folder: Path = cache) -> str:
            environment = {**os.environ, "MIGRATION_LINT_CACHE_DIR": str(cache_folder)}
            command = [migration_lint, "lint", *options, file]
            return subprocess.run(
                command, cwd=folder, env=environment, capture_output=True, text=True
            ).stdout

        def use(saved: Path | None) -> Callable[[], None]:
            def prepare() -> None:
                shutil.rmtree(cache, ignore_errors=True)
                if saved is not None:
                    shutil.copytree(saved, cache)

            return prepare

        # The caches the cases start from, made by the tool itself.
        run(files[-1], [], whole)
        run(files[-2], [], all_but_one)
        newest = files[-1]
        cases = [
            Case("one file, no history", files[0], ["--no-cache"], use(None)),
            Case(
                f"newest, {len(files) - 1} files of history, no cache",
                newest,
                ["--no-cache"],
                use(None),
            ),
            Case("newest, empty cache", newest, [], use(None)),
            Case("newest, cache of the whole history", newest, [], use(whole)),
            Case("newest, cache one file short (one added since)", newest, [], use(all_but_one)),
        ]
        print(f"generated {args.files} files, {statements} statements in {folder}")
        expected = run(newest, ["--no-cache"])
        for case in cases[1:]:
            case.prepare()
            if run(case.file, case.options) != expected:
                sys.exit(f"{case.name}: the findings differ from those without the cache")
        times: dict[str, list[float]] = {case.name: [] for case in cases}
        for _ in range(args.rounds):
            for case in cases:
                case.prepare()
                start = time.perf_counter()
                run(case.file, case.options)
                times[case.name].append(time.perf_counter() - start)

    print(f"\n{args.rounds} rounds, in turn ({migration_lint})\n")
    rows = [
        (name, f"{statistics.median(runs) * 1000:.0f} ms", f"{min(runs) * 1000:.0f} ms")
        for name, runs in times.items()
    ]
    print(markdown_table(("case", "median", "fastest"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
