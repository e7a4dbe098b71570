"""Time what pre-commit runs: `migration-lint lint` on the newest migration of a long folder,
which replays every earlier one as history, without the history cache, with an empty one, with
one that has the whole history, and with one that has all but the migration before the newest
(a migration was added since the last run).

Generates --files drizzle-style migrations (bench_lint.py's) in a temporary folder, checks that
every case prints the same findings, then runs the cases in turn, --rounds times, and prints a
Markdown table of the median and fastest wall-clock times and the median CPU time. "One file,
no history" (the oldest migration) is the start-up and one small file, for reference. With
--previous, another migration-lint (an older one, without the cache) is timed on the newest.

    python benchmarks/history.py [--files 2000] [--rounds 7] [--migration-lint PATH]
    python benchmarks/history.py --previous /tmp/main/.venv/bin/migration-lint
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench_lint import generate
from tools import add_migration_lint_argument, find_migration_lint, markdown_table


@dataclass
class Case:
    name: str
    binary: str
    file: str  # the migration linted
    options: list[str]
    prepare: Callable[[], None]  # before each run, untimed: the cache as the case needs it
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user and system, of the process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="migrations to generate [2000]")
    parser.add_argument("--rounds", type=int, default=7, help="timed runs of each case [7]")
    parser.add_argument(
        "--previous",
        metavar="PATH",
        help="also time this migration-lint (an older one, without the cache) on the newest",
    )
    add_migration_lint_argument(parser)
    args = parser.parse_args()
    if args.files < 3 or args.rounds < 1:
        parser.error("--files must be at least 3 and --rounds at least 1")
    migration_lint = find_migration_lint(parser, args)

    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        folder = Path(tmp, "migrations")
        folder.mkdir()
        statements = generate(folder, args.files)
        # A history's files are older than the two seconds after which the cache trusts their
        # times (source.SETTLED_NS) and reads them no more.
        time.sleep(2.5)
        files = sorted(p.name for p in folder.glob("*.sql"))
        cache = Path(tmp, "cache")
        whole, all_but_one = Path(tmp, "whole"), Path(tmp, "all-but-one")

        def run(binary: str, file: str, options: list[str], cache_folder: Path = cache) -> str:
            environment = {**os.environ, "MIGRATION_LINT_CACHE_DIR": str(cache_folder)}
            command = [binary, "lint", *options, file]
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
        run(migration_lint, files[-1], [], whole)
        run(migration_lint, files[-2], [], all_but_one)
        newest, history = files[-1], f"{len(files) - 1} files of history"
        cases = [
            Case("one file, no history", migration_lint, files[0], ["--no-cache"], use(None)),
            Case(f"newest, {history}, no cache", migration_lint, newest, ["--no-cache"], use(None)),
            Case("newest, empty cache", migration_lint, newest, [], use(None)),
            Case("newest, cache of the whole history", migration_lint, newest, [], use(whole)),
            Case(
                "newest, cache one file short (one added since)",
                migration_lint,
                newest,
                [],
                use(all_but_one),
            ),
        ]
        if args.previous:
            cases.append(Case(f"previous: newest, {history}", args.previous, newest, [], use(None)))
        print(f"generated {args.files} files, {statements} statements in {folder}")
        expected = run(migration_lint, newest, ["--no-cache"])
        for case in cases[1:]:
            case.prepare()
            if run(case.binary, case.file, case.options) != expected:
                print(f"{case.name}: the findings differ from those without the cache")
        for _ in range(args.rounds):
            for case in cases:
                case.prepare()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                run(case.binary, case.file, case.options)
                case.wall.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                case.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    print(f"\n{args.rounds} rounds, in turn ({migration_lint})\n")
    rows = [
        (
            case.name,
            f"{statistics.median(case.wall) * 1000:.0f} ms",
            f"{min(case.wall) * 1000:.0f} ms",
            f"{statistics.median(case.cpu) * 1000:.0f} ms",
        )
        for case in cases
    ]
    print(markdown_table(("case", "median", "fastest", "CPU (median)"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
