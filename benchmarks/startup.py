"""Time what a commit waits for: the pre-commit hooks on one small migration.

Makes a drizzle project in a temporary git repository (drizzle.config.ts, a committed first
migration and its journal, a second migration staged as a commit would have it). Then runs, in
turns, --runs times each: the `migration-lint` hook's command (`migration-lint lint
--migrations-only FILE`), the naming hook's (`migration-lint-naming FILE`), the same two of an
older install (--baseline), squawk on the same file, and the Python of this checkout's
migration-lint alone (`python -c pass`: what no Python tool can go under). Prints a Markdown
table of median and fastest wall-clock times and the median CPU time (user + system: steadier
than wall time on a busy machine).

    python benchmarks/startup.py [--runs 20] [--baseline OLD/bin/migration-lint] [--squawk PATH]

The runs write bytecode (__pycache__) as an installed package has it: PYTHONDONTWRITEBYTECODE is
removed from their environment, or an editable install would compile every module every run.
An editable install (`pip install -e`) also imports its finder at start-up (~5-10 ms) that
pre-commit's own install of the hooks does not: for the hooks' figures, time a plain install
(`pip install .` in a virtualenv of its own).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools import add_migration_lint_argument, find_migration_lint, markdown_table

CONFIG = 'export default { dialect: "postgresql", schema: "./src/schema.ts", out: "./drizzle" };\n'
FIRST = 'CREATE TABLE "users" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"email" text NOT NULL\n);\n'
# The staged migration: what the hooks lint. A new column and its index, as drizzle-kit writes.
STAGED = (
    'ALTER TABLE "users" ADD COLUMN "name" text;--> statement-breakpoint\n'
    'CREATE INDEX "users_name_idx" ON "users" USING btree ("name");\n'
)
TAGS = ("0000_brave_thor", "0001_quiet_storm")


@dataclass(frozen=True)
class Command:
    label: str
    argv: list[str]


def make_project(root: Path) -> str:
    """The drizzle project in a git repository; returns the staged migration's path."""
    (root / "drizzle" / "meta").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "drizzle.config.ts").write_text(CONFIG)
    (root / "src" / "schema.ts").write_text("export {};\n")
    (root / "drizzle" / f"{TAGS[0]}.sql").write_text(FIRST)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    _journal(root, TAGS[:1])
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first migration"], check=True)
    (root / "drizzle" / f"{TAGS[1]}.sql").write_text(STAGED)
    _journal(root, TAGS)
    subprocess.run([*git, "add", "."], check=True)
    return f"drizzle/{TAGS[1]}.sql"


def _journal(root: Path, tags: tuple[str, ...]) -> None:
    entries = [
        {"idx": i, "version": "7", "when": 1700000000000 + i, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)
    ]
    journal = {"version": "7", "dialect": "postgresql", "entries": entries}
    (root / "drizzle" / "meta" / "_journal.json").write_text(json.dumps(journal, indent=2))


def hook_commands(label: str, migration_lint: str, staged: str) -> list[Command]:
    """The two hooks that take the staged file, as .pre-commit-hooks.yaml runs them."""
    lint = [migration_lint, "lint", "--migrations-only", staged]
    commands = [Command(f"{label}: lint hook", lint)]
    naming = Path(migration_lint).with_name("migration-lint-naming")
    if naming.exists():
        commands.append(Command(f"{label}: naming hook", [str(naming), staged]))
    return commands


def interpreter(script: str) -> str:
    """The Python a console script runs with (its #! line); this one when it names none."""
    with open(script, "rb") as file:
        first = file.readline().decode(errors="replace")
    return first[2:].strip() if first.startswith("#!") and "python" in first else sys.executable


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each command [20]")
    add_migration_lint_argument(parser)
    parser.add_argument(
        "--baseline", help="another install's migration-lint executable, to compare with"
    )
    parser.add_argument("--squawk", default="squawk", help="squawk executable [squawk on PATH]")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    migration_lint = find_migration_lint(parser, args)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        root = Path(tmp)
        staged = make_project(root)
        python = interpreter(migration_lint)
        commands = [Command("its Python alone", [python, "-c", "pass"])]
        commands += hook_commands("this checkout", migration_lint, staged)
        if args.baseline:
            baseline = shutil.which(args.baseline)
            if baseline is None:
                parser.error(f"--baseline: not found: {args.baseline}")
            commands += hook_commands("baseline", baseline, staged)
        squawk = shutil.which(args.squawk)
        if squawk:
            commands.append(Command("squawk", [squawk, staged]))
        else:
            print(f"squawk not found ({args.squawk!r}): its row is left out", file=sys.stderr)

        for command in commands:  # untimed: shows the output once and writes the bytecode
            done = subprocess.run(command.argv, cwd=root, env=env, capture_output=True, text=True)
            last = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
            print(f"{command.label}: exit {done.returncode}: {last[0][:100]}")
        walls: dict[str, list[float]] = {c.label: [] for c in commands}
        cpus: dict[str, list[float]] = {c.label: [] for c in commands}
        for _ in range(args.runs):
            for command in commands:
                wall, cpu = timed(command.argv, root, env)
                walls[command.label].append(wall)
                cpus[command.label].append(cpu)

    rows = [
        (
            f"`{shlex.join([Path(c.argv[0]).name, *c.argv[1:]])}` ({c.label})",
            f"{1000 * statistics.median(walls[c.label]):.0f}",
            f"{1000 * min(walls[c.label]):.0f}",
            f"{1000 * statistics.median(cpus[c.label]):.0f}",
        )
        for c in commands
    ]
    load = os.getloadavg()[0]
    print(f"\n{args.runs} runs of each, in turns; {os.cpu_count()} CPUs, load {load:.2f}")
    print(markdown_table(("command", "median ms", "fastest ms", "median CPU ms"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
