"""Time `migration-lint lint` against squawk on large generated drizzle-kit migration folders.

For each --files size, generates that many drizzle-style migrations (about 15 statements each) in
a temporary folder, then runs both linters on it, alternating, --rounds times, and prints a
table: the median and fastest wall-clock times, the CPU time (all processes), the peak resident
memory (the largest process) and the time per file; then the migration-lint/squawk ratio of the
medians and, with two sizes or more, how the time per file grows. Output of both tools is
discarded; only the time to lint everything is measured.

    python benchmarks/bench_lint.py [--files 2000 [20000 ...]] [--rounds 5] [--squawk PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tools import add_tool_arguments, find_tools, markdown_table

WORDS = ("user", "order", "invoice", "team", "project", "comment", "tag", "event", "account")
ADJECTIVES = ("brave", "lonely", "quiet", "swift", "giant", "silly", "tidy", "odd", "famous")
HEROES = ("wolverine", "storm", "hulk", "thor", "loki", "vision", "gambit", "rogue", "nova")
TYPES = (
    "text",
    "integer",
    "bigint",
    "boolean",
    "jsonb",
    "uuid",
    "varchar(255)",
    "numeric(12, 2)",
    "timestamp with time zone",
)
ON_DELETE = ("cascade", "no action", "set null", "restrict")
SEED = 20240601


@dataclass
class Schema:
    """What the migrations so far have created, so later statements name things that exist."""

    rng: random.Random
    tables: dict[str, list[str]] = field(default_factory=dict)
    enums: list[str] = field(default_factory=list)
    serial: int = 0

    def fresh(self, stem: str) -> str:
        self.serial += 1
        return f"{stem}_{self.serial}"

    def table(self) -> str:
        return self.rng.choice(list(self.tables))

    def column_def(self) -> str:
        rng = self.rng
        if self.enums and rng.random() < 0.15:
            return f"\"{rng.choice(self.enums)}\" DEFAULT 'a' NOT NULL"
        typ = rng.choice(TYPES)
        if typ == "boolean" and rng.random() < 0.5:
            typ += " DEFAULT false"
        return typ + (" NOT NULL" if rng.random() < 0.4 else "")


def do_block(statement: str) -> str:
    """Older drizzle-kit wraps constraints and enums so re-running them is harmless."""
    return f"DO $$ BEGIN\n {statement}\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\n"


def create_table(s: Schema) -> list[str]:
    name = s.fresh(s.rng.choice(WORDS) + "s")
    s.tables[name] = [s.fresh(s.rng.choice(WORDS)) for _ in range(s.rng.randint(2, 7))]
    lines = ['"id" serial PRIMARY KEY NOT NULL']
    lines += [f'"{c}" {s.column_def()}' for c in s.tables[name]]
    lines.append('"created_at" timestamp with time zone DEFAULT now() NOT NULL')
    if s.rng.random() < 0.3:
        first = s.tables[name][0]
        lines.append(f'CONSTRAINT "{name}_{first}_unique" UNIQUE("{first}")')
    body = ",\n".join("\t" + line for line in lines)
    return [f'CREATE TABLE "{name}" (\n{body}\n);\n']


def create_enum(s: Schema) -> list[str]:
    name = s.fresh("status")
    s.enums.append(name)
    sql = f"CREATE TYPE \"public\".\"{name}\" AS ENUM('a', 'b', 'c');"
    return [do_block(sql) if s.rng.random() < 0.5 else sql]


def add_column(s: Schema) -> list[str]:
    table = s.table()
    column = s.fresh(s.rng.choice(WORDS))
    s.tables[table].append(column)
    return [f'ALTER TABLE "{table}" ADD COLUMN "{column}" {s.column_def()};']


def drop_column(s: Schema) -> list[str]:
    table = s.table()
    if len(s.tables[table]) < 2:
        return add_column(s)
    column = s.tables[table].pop(s.rng.randrange(len(s.tables[table])))
    return [f'ALTER TABLE "{table}" DROP COLUMN "{column}";']


def alter_column(s: Schema) -> list[str]:
    table = s.table()
    column = s.rng.choice(s.tables[table])
    change = s.rng.choice(
        [f"SET DATA TYPE {s.rng.choice(TYPES)}", "SET NOT NULL", "DROP NOT NULL", "SET DEFAULT 0"]
    )
    return [f'ALTER TABLE "{table}" ALTER COLUMN "{column}" {change};']


def add_foreign_key(s: Schema) -> list[str]:
    table, target = s.table(), s.table()
    column = s.fresh(target.rsplit("_", 1)[0][:-1] + "_id")
    s.tables[table].append(column)
    fk = (
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_{target}_id_fk" '
        f'FOREIGN KEY ("{column}") REFERENCES "public"."{target}"("id") '
        f"ON DELETE {s.rng.choice(ON_DELETE)} ON UPDATE no action;"
    )
    return [
        f'ALTER TABLE "{table}" ADD COLUMN "{column}" integer;',
        do_block(fk) if s.rng.random() < 0.3 else fk,
    ]


def create_index(s: Schema) -> list[str]:
    table = s.table()
    column = s.rng.choice(s.tables[table])
    unique = "UNIQUE " if s.rng.random() < 0.2 else ""
    name = s.fresh(f"{table}_{column}_idx")
    return [f'CREATE {unique}INDEX "{name}" ON "{table}" USING btree ("{column}");']


KINDS: dict[Callable[[Schema], list[str]], int] = {
    create_table: 10,
    create_enum: 3,
    add_column: 25,
    drop_column: 10,
    alter_column: 20,
    add_foreign_key: 12,
    create_index: 20,
}


def generate(folder: Path, files: int) -> int:
    """Write `files` migrations, about 15 statements each; return the statement count."""
    rng = random.Random(SEED)
    schema = Schema(rng)
    total = 0
    for number in range(files):
        statements: list[str] = []
        for _ in range(rng.randint(1, 26)):
            kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
            statements += create_table(schema) if not schema.tables else kind(schema)
        total += len(statements)
        name = f"{number:04d}_{rng.choice(ADJECTIVES)}_{rng.choice(HEROES)}.sql"
        text = "--> statement-breakpoint\n".join(statements).rstrip("\n") + "\n"
        (folder / name).write_text(text)
    return total


def lint_command(tool: str, binary: str, folder: Path) -> list[str]:
    if tool == "migration-lint":
        return [binary, "lint", "--format", "json", str(folder)]
    # Run with cwd=folder: bare file names keep the argument list short; --reporter json matches
    # migration-lint's output format (squawk has no quiet mode, its output is discarded anyway).
    return [binary, "--reporter", "json", *sorted(p.name for p in folder.glob("*.sql"))]


def check(tool: str, command: list[str], folder: Path) -> str:
    """Run a tool once, untimed, and confirm it linted the folder rather than failing early."""
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True)
    try:
        output = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.exit(f"{tool} failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    if tool == "migration-lint":
        summary = output["summary"]
        return (
            f"{summary['files']} files, {summary['statements']} statements, "
            f"{summary['diagnostics']} diagnostics, {summary['error']} errors"
        )
    syntax = sum(1 for d in output if d["rule_name"] == "syntax-error")
    return f"{len(output)} violations, {syntax} syntax errors"


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds of user and system time, the tool's processes together
    peak_mb: float  # the largest resident set of its processes
    exit_code: int = 0


# Runs a tool from a fresh, small Python: a child's peak memory counts that of the process it was
# forked from (this one holds large outputs after `check`), and wait4 reports it with the tool's.
_TIMER = """
import os, sys, time
start = time.perf_counter()
devnull = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=devnull)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def timed(command: list[str], folder: Path, env: dict[str, str] | None = None) -> Run:
    timer = subprocess.run(
        [sys.executable, "-c", _TIMER, *command],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu, peak_kib, exit_code = timer.stdout.split()
    # ru_maxrss is in KiB on Linux, and covers the children the tool waited for.
    return Run(float(wall), float(cpu), int(peak_kib) / 1024, int(exit_code))


def measure(files: int, rounds: int, binaries: dict[str, str]) -> tuple[int, dict[str, list[Run]]]:
    """Generate a folder of `files` migrations and time each tool on it, taking turns."""
    with tempfile.TemporaryDirectory(prefix="bench-lint-") as tmp:
        folder = Path(tmp)
        statements = generate(folder, files)
        print(f"generated {files} files, {statements} statements in {folder}")
        commands = {tool: lint_command(tool, binary, folder) for tool, binary in binaries.items()}
        for tool, command in commands.items():
            print(f"check {tool}: {check(tool, command, folder)}")
        runs: dict[str, list[Run]] = {tool: [] for tool in commands}
        for _ in range(rounds):
            for tool, command in commands.items():
                runs[tool].append(timed(command, folder))
    return statements, runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--files",
        type=int,
        nargs="+",
        default=[2000],
        help="migrations to generate, one folder per number [2000]",
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each tool [5]")
    add_tool_arguments(parser)
    args = parser.parse_args()
    if min(args.files) < 1 or args.rounds < 1:
        parser.error("--files and --rounds must be at least 1")
    tools = find_tools(parser, args)
    if tools is None:
        return 2
    migration_lint, squawk = tools
    binaries = {"migration-lint": migration_lint, "squawk": squawk}
    version = subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout.strip()

    rows = []
    per_file: dict[str, dict[int, float]] = {tool: {} for tool in binaries}
    ratios = []
    for files in args.files:
        statements, runs = measure(files, args.rounds, binaries)
        for tool, measured in runs.items():
            wall = statistics.median(r.wall for r in measured)
            per_file[tool][files] = wall / files
            rows.append(
                [
                    files,
                    statements,
                    tool,
                    f"{wall:.3f}",
                    f"{min(r.wall for r in measured):.3f}",
                    f"{statistics.median(r.cpu for r in measured):.3f}",
                    f"{max(r.peak_mb for r in measured):.0f}",
                    f"{1000 * wall / files:.3f}",
                ]
            )
        ratio = statistics.median(r.wall for r in runs["migration-lint"]) / statistics.median(
            r.wall for r in runs["squawk"]
        )
        ratios.append(f"{files} files: {ratio:.2f}")

    print(f"\n{args.rounds} rounds, alternating ({version}, {os.cpu_count()} processors)\n")
    header = ["files", "statements", "tool", "median s", "min s", "CPU s", "peak MB", "ms/file"]
    print(markdown_table(header, rows))
    print(f"\nratio migration-lint/squawk (median wall): {', '.join(ratios)}")
    if len(args.files) > 1:
        smallest, largest = min(args.files), max(args.files)
        for tool, times in per_file.items():
            growth = times[largest] / times[smallest]
            print(f"{tool}: time per file at {largest} files / at {smallest}: {growth:.2f}")
    reproduce = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--files",
        *map(str, args.files),
        f"--rounds={args.rounds}",
        f"--migration-lint={migration_lint}",
        f"--squawk={squawk}",
    ]
    print(f"\nreproduce: {shlex.join(reproduce)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
