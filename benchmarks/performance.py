"""Every performance figure of the project, in one run: migration-lint against squawk and an
earlier migration-lint, each figure with its target.

- bulk: a generated folder of --files drizzle-style migrations (bench_lint.py's), linted whole:
  a first run (an empty cache), again with nothing changed (the findings cache read back), and
  again with one migration added;
- large: the same with --large files, for the time per file (linear: within 10 % of the bulk
  folder's) and the peak memory;
- one small file through the pre-commit hook's command (`migration-lint lint --migrations-only
  FILE`, startup.py's project), and what `python -X importtime` shows that path importing;
- the newest migration of the bulk folder with the rest as history (what pre-commit lints):
  without the history cache and with a warm one (squawk lints the file alone: it keeps no
  history);
- each folder of the corpus of real migrations (../shared/corpus, when it is there): a first
  run, and again.

Tools take turns within each figure; a figure is the median of --rounds runs (wall-clock, from
process start to exit; peak memory is the largest resident set of the tool's processes). Every
run gets a history cache folder of its own making, never the user's.

    python benchmarks/performance.py --migration-lint NEW/bin/migration-lint \\
        --squawk SQUAWK/bin/squawk --previous OLD/bin/migration-lint \\
        [--rounds 5] [--files 2000] [--large 20000] [--large-rounds 3]

NEW, OLD and SQUAWK are virtualenvs of their own: `pip install .` of this checkout (a plain
install, as pre-commit makes one), of an earlier release, and `pip install squawk-cli`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench_lint import Run, generate, lint_command, timed
from startup import interpreter, make_project
from tools import CORPUS, add_tool_arguments, corpus_folders, find_tools, markdown_table

# What the lint path must not import (the list): each costs start-up time for nothing.
FORBIDDEN_IMPORTS = ("importlib.metadata", "subprocess", "sqlglot", "psycopg")
FORBIDDEN_PACKAGES = ("migration_lint.db", "migration_lint.web")


@dataclass
class Figure:
    """One measured figure: each tool's runs, and how ours is judged against its target."""

    name: str
    target: str
    judge: Callable[[dict[str, list[Run]]], tuple[str, bool]]
    runs: dict[str, list[Run]] = field(default_factory=dict)


def median_wall(runs: list[Run]) -> float:
    return statistics.median(r.wall for r in runs)


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def at_most(limit: float) -> Callable[[dict[str, list[Run]]], tuple[str, bool]]:
    def judge(runs: dict[str, list[Run]]) -> tuple[str, bool]:
        ours = median_wall(runs["migration-lint"])
        return seconds(ours), ours <= limit

    return judge


def ratio_to_squawk(limit: float) -> Callable[[dict[str, list[Run]]], tuple[str, bool]]:
    def judge(runs: dict[str, list[Run]]) -> tuple[str, bool]:
        ratio = median_wall(runs["migration-lint"]) / median_wall(runs["squawk"])
        return f"{ratio:.2f}x squawk", ratio <= limit

    return judge


class Bench:
    def __init__(self, tools: dict[str, str], rounds: int, scratch: Path) -> None:
        self.tools = tools  # name -> executable
        self.rounds = rounds
        self.scratch = scratch
        self.figures: list[Figure] = []
        self.environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def cache(self, name: str) -> dict[str, str]:
        """An environment whose history cache is a folder of this run's own."""
        return {**self.environment, "MIGRATION_LINT_CACHE_DIR": str(self.scratch / name)}

    def turns(
        self,
        figure: Figure,
        commands: dict[str, list[str]],
        cwd: Path,
        env: dict[str, str],
        rounds: int | None = None,
        first_runs: bool = False,
        each_from: Path | None = None,
    ) -> Figure:
        """Time each command in turn, `rounds` times, after an untimed run of each.
        `first_runs`: each run starts with an empty cache folder (as a first run, a fresh CI
        checkout, or one that changed every file); `each_from`: with a copy of that cache
        folder; else each after the first finds the cache the runs before it filled."""
        cache = Path(env["MIGRATION_LINT_CACHE_DIR"])
        for command in commands.values():
            # 0, 1 or 2: what it found (squawk: 0 or 1). Anything else is a tool that did not
            # lint (3: bad options, as an older release may say), and its time is not worth
            # showing.
            untimed = timed(command, cwd, env)
            if untimed.exit_code not in (0, 1, 2):
                sys.exit(f"{figure.name}: {shlex.join(command)} exited {untimed.exit_code}")
        figure.runs = {tool: [] for tool in commands}
        for _ in range(rounds or self.rounds):
            for tool, command in commands.items():
                if first_runs or each_from:
                    shutil.rmtree(cache, ignore_errors=True)
                if each_from:
                    shutil.copytree(each_from, cache)
                figure.runs[tool].append(timed(command, cwd, env))
        self.figures.append(figure)
        print(f"measured: {figure.name}", file=sys.stderr)
        return figure


def bulk_and_large(bench: Bench, files: int, large: int, large_rounds: int) -> None:
    """The bulk folder, its newest file with history, and the large folder."""
    for size in (files, large):
        folder = bench.scratch / f"folder-{size}"
        folder.mkdir()
        statements = generate(folder, size)
        print(f"generated {size} files, {statements} statements", file=sys.stderr)
        commands = {
            tool: lint_command(tool, binary, folder) for tool, binary in bench.tools.items()
        }
        commands["previous"] = lint_command("migration-lint", bench.tools["previous"], folder)
        if size == files:
            figure = Figure(
                f"bulk: {size} files linted whole, first run", "<= 1.0x squawk", ratio_to_squawk(1)
            )
            bench.turns(figure, commands, folder, bench.cache("bulk"), first_runs=True)
            again = Figure(
                f"bulk again: {size} files, unchanged", "<= 1.0x squawk", ratio_to_squawk(1)
            )
            bench.turns(again, commands, folder, bench.cache("bulk"))
            added(bench, folder, size, commands)
            newest_with_history(bench, folder, size)
        else:
            bench.turns(
                Figure(
                    f"large: {size} files linted whole, first run",
                    "",
                    ratio_to_squawk(float("inf")),
                ),
                commands,
                folder,
                bench.cache("large"),
                large_rounds,
                first_runs=True,
            )
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def added(bench: Bench, folder: Path, files: int, commands: dict[str, list[str]]) -> None:
    """The bulk folder with one migration more, linted whole with the cache of the folder
    before it (a migration added since the last run)."""
    before = bench.scratch / "bulk-before"
    shutil.copytree(Path(bench.cache("bulk")["MIGRATION_LINT_CACHE_DIR"]), before)
    newest = sorted(folder.glob("*.sql"))[-1]
    extra = folder / f"{files:04d}_one_more.sql"
    extra.write_text(newest.read_text())
    commands = {**commands}
    if "squawk" in commands:  # it is given the files by name
        commands["squawk"] = [*commands["squawk"], extra.name]
    figure = Figure(f"bulk again: one migration added, {files + 1} files", "", ratio_to_squawk(1))
    bench.turns(figure, commands, folder, bench.cache("bulk"), each_from=before)
    extra.unlink()
    shutil.rmtree(before)


def newest_with_history(bench: Bench, folder: Path, files: int) -> None:
    # A history's files are older than the two seconds after which the cache trusts their times
    # and reads them no more (source.SETTLED_NS).
    time.sleep(2.5)
    newest = sorted(p.name for p in folder.glob("*.sql"))[-1]
    ours, squawk, previous = (bench.tools[t] for t in ("migration-lint", "squawk", "previous"))
    history = f"newest of {files} files, {files - 1} of history"
    bench.turns(
        Figure(f"{history}: no cache", "<= 300 ms", at_most(0.3)),
        {
            "migration-lint": [ours, "lint", "--no-cache", newest],
            "squawk": [squawk, newest],
            "previous": [previous, "lint", newest],
        },
        folder,
        bench.cache("unused"),
    )
    warm = bench.cache("warm")
    subprocess.run([ours, "lint", newest], cwd=folder, env=warm, capture_output=True)
    bench.turns(
        Figure(f"{history}: warm cache", "<= 120 ms", at_most(0.12)),
        {"migration-lint": [ours, "lint", newest]},
        folder,
        warm,
    )


def small_file(bench: Bench) -> list[str]:
    """The hook's command on one small staged migration; returns what its imports should not
    hold but do."""
    root = bench.scratch / "project"
    root.mkdir()
    staged = make_project(root)
    ours, squawk, previous = (bench.tools[t] for t in ("migration-lint", "squawk", "previous"))
    bench.turns(
        Figure("one small file, pre-commit hook", "<= 100 ms", at_most(0.1)),
        {
            "migration-lint": [ours, "lint", "--migrations-only", staged],
            "squawk": [squawk, staged],
            "previous": [previous, "lint", "--migrations-only", staged],
        },
        root,
        bench.cache("small"),
    )
    code = f"from migration_lint.cli import main; main(['lint', '--migrations-only', {staged!r}])"
    traced = subprocess.run(
        [interpreter(ours), "-X", "importtime", "-c", code],
        cwd=root,
        env=bench.cache("small"),
        capture_output=True,
        text=True,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in traced.stderr.splitlines()
        if line.startswith("import time:")
    }
    return sorted(
        module
        for module in imported
        if module in FORBIDDEN_IMPORTS
        or any(module == p or module.startswith(p + ".") for p in FORBIDDEN_PACKAGES)
    )


def corpus(bench: Bench, where: Path) -> None:
    folders, _ = corpus_folders(where)
    ours, squawk, previous = (bench.tools[t] for t in ("migration-lint", "squawk", "previous"))
    for folder in folders:
        pattern = "*.sql" if folder.kind == "drizzle" else "*/migration.sql"
        files = sorted(str(p.relative_to(folder.source)) for p in folder.source.glob(pattern))
        commands = {
            "migration-lint": [ours, "lint", "--format", "json", "."],
            "squawk": [squawk, "--reporter", "json", *files],
            "previous": [previous, "lint", "--format", "json", "."],
        }
        for first_runs, when in ((True, "first run"), (False, "again")):
            bench.turns(
                Figure(
                    f"corpus {folder.name} ({len(files)} migrations), {when}",
                    "<= 2.0x squawk",
                    ratio_to_squawk(2),
                ),
                commands,
                folder.source,
                bench.cache(f"corpus-{folder.name}"),
                first_runs=first_runs,
            )


def report(bench: Bench, forbidden: list[str], command: str) -> str:
    rows = []
    for figure in bench.figures:
        verdict, met = figure.judge(figure.runs)
        cells = []
        for tool in ("migration-lint", "squawk", "previous"):
            runs = figure.runs.get(tool)
            if not runs:
                cells.append("")
                continue
            peak = max(r.peak_mb for r in runs)
            cells.append(f"{seconds(median_wall(runs))} ({peak:.0f} MB)")
        outcome = "met" if met else "NOT MET"
        target = f"{figure.target}: {verdict}, {outcome}" if figure.target else verdict
        rows.append([figure.name, *cells, target])
    lines = [
        markdown_table(
            [
                "figure",
                f"migration-lint {version(bench.tools['migration-lint'])}",
                f"squawk {version(bench.tools['squawk'])}",
                f"previous: {version(bench.tools['previous'])}",
                "target: migration-lint",
            ],
            rows,
        ),
        "",
        linear_line(bench),
        floor_line(bench),
        "lint path imports "
        + (", ".join(forbidden) if forbidden else f"none of {', '.join(FORBIDDEN_IMPORTS)}, ")
        + ("" if forbidden else f"{', '.join(FORBIDDEN_PACKAGES)} (-X importtime)"),
        "",
        f"Medians of {bench.rounds} runs, tools in turns; (MB): peak resident memory. {machine()}.",
        f"Command: {command}",
    ]
    return "\n".join(lines)


def version(tool: str) -> str:
    """What `TOOL --version` says, its last word: the version number."""
    said = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.split()
    return said[-1] if said else "?"


def linear_line(bench: Bench) -> str:
    bulk = next(f for f in bench.figures if f.name.startswith("bulk:"))
    large = next(f for f in bench.figures if f.name.startswith("large:"))
    sizes = [int(f.name.split()[1]) for f in (bulk, large)]
    parts = []
    for tool in ("migration-lint", "squawk", "previous"):
        small_per_file = median_wall(bulk.runs[tool]) / sizes[0]
        large_per_file = median_wall(large.runs[tool]) / sizes[1]
        parts.append(f"{tool} {large_per_file / small_per_file:.2f}")
    peak = max(r.peak_mb for r in large.runs["migration-lint"])
    return (
        f"time per file at {sizes[1]} files / at {sizes[0]} (1.00: linear; target <= 1.10): "
        + ", ".join(parts)
        + f"; migration-lint's peak memory at {sizes[1]} files: {peak:.0f} MB (target <= 150 MB)"
    )


def floor_line(bench: Bench) -> str:
    """The processor time of migration-lint's first runs over many files, and the least wall
    time it leaves however well the work were spread over the processors: what no change to
    how the work is shared can go below."""
    parts = []
    for figure in bench.figures:
        # A folder linted whole: squawk lints the same files (the newest file alone, otherwise).
        whole = figure.name.startswith(("bulk:", "large:"))
        if not whole and not figure.name.endswith("no cache"):
            continue
        cpu = statistics.median(r.cpu for r in figure.runs["migration-lint"])
        least = cpu / processors()
        squawk = median_wall(figure.runs["squawk"])
        compared = f", {least / squawk:.1f}x squawk's wall" if whole else ""
        parts.append(f"{figure.name}: {seconds(cpu)}, at least {seconds(least)}{compared}")
    return (
        f"migration-lint's processor time, and the wall time it leaves on {processors()} "
        f"processors at best: {'; '.join(parts)}"
    )


def processors() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def machine() -> str:
    model = ""
    with open("/proc/cpuinfo") if os.path.exists("/proc/cpuinfo") else open(os.devnull) as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    python = platform.python_version()
    return f"{model or platform.machine()}, {processors()} processors, Python {python}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tool_arguments(parser)
    parser.add_argument(
        "--previous", required=True, metavar="PATH", help="an earlier migration-lint to compare"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each figure [5]")
    parser.add_argument("--files", type=int, default=2000, help="the bulk folder's migrations")
    parser.add_argument("--large", type=int, default=20000, help="the large folder's migrations")
    parser.add_argument("--large-rounds", type=int, default=3, help="timed runs at --large [3]")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="real migration folders")
    args = parser.parse_args()
    found = find_tools(parser, args)
    if found is None:
        return 2
    ours, squawk = found
    tools = {"migration-lint": ours, "squawk": squawk, "previous": args.previous}
    with tempfile.TemporaryDirectory(prefix="bench-performance-") as tmp:
        bench = Bench(tools, args.rounds, Path(tmp))
        forbidden = small_file(bench)
        bulk_and_large(bench, args.files, args.large, args.large_rounds)
        if args.corpus.is_dir():
            corpus(bench, args.corpus)
        else:
            print(f"no corpus at {args.corpus}: its figures are left out", file=sys.stderr)
    print(report(bench, forbidden, shlex.join([sys.executable, *sys.argv])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
