"""`verify`: apply each folder's migrations to a scratch database, as its runner would, and
observe the statements of the files asked about.

A folder's migrations before the first file asked about are applied first, as the history a
deployed database already has; the rest are applied as one run of the runner (for drizzle, one
transaction), each statement of the files asked about traced. The first statement the server
refuses is an `apply-failed` finding at its file, line and column; later migrations are not
applied.

With `--rollback`, the files asked about are applied one at a time (for drizzle too, whose
migrator runs them in one transaction), and each one with a rollback plan is undone by it, the
schema compared with the one before (rollback_check.py), and applied again. A plan that leaves
another schema stops the folder, as a failed migration does: later ones would not meet the
schema they expect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from ..diagnostic import Diagnostic, Severity
from ..layouts import Layout
from ..linter import FolderPlan, Report, Settings, input_error, lint_paths, plan_folders, runner_of
from ..rollback_plan import RollbackPlan, rollback_plan
from ..source import InputError, Source, read_source
from ..traces import Claim, StatementTrace, claims_in
from . import catalog
from .apply import Applier, ApplyFailed, Migration
from .connect import session
from .folder import migrations_in
from .rollback_check import ROLLBACK_MISMATCH, check_plan
from .server import ScratchHost

APPLY_FAILED = "apply-failed"


@dataclass
class Verified:
    report: Report = field(default_factory=Report)
    traces: list[StatementTrace] = field(default_factory=list)
    where: str = ""  # the server, for the summary
    plans_checked: int = 0  # --rollback: how many rollback plans were run


def verify(
    paths: list[str], settings: Settings, host: ScratchHost, rollback: bool = False
) -> Verified:
    verified = Verified()
    for folder in plan_folders(paths, settings.project, verified.report.diagnostics):
        verify_folder(folder, settings, host, verified, rollback)
    verified.report.diagnostics.sort(key=lambda d: (d.path, d.line, d.column))
    # Known once a scratch database was made (the embedded server starts only then); empty
    # when nothing was applied.
    verified.where = host.where
    return verified


def verify_folder(
    folder: FolderPlan, settings: Settings, host: ScratchHost, verified: Verified, rollback: bool
) -> None:
    """Apply the folder's files in a new scratch database; `rollback`: check the plans of the
    files asked about."""
    report = verified.report
    try:
        files = run_order(folder.layout, folder.files, settings.project.max_file_bytes)
    except InputError as exc:
        report.diagnostics.append(_runner_stops(exc))
        return
    requested = [f for f in files if f in folder.requested]
    report.files += len(requested)
    report.linted.extend(requested)
    # A file named on its own that the runner never runs is an error; in a folder given whole,
    # the linter's journal-mismatch already says so, and the runner just leaves it out.
    if folder.requested != set(folder.files):
        not_run = sorted(folder.requested - set(files))
        report.files += len(not_run)
        report.diagnostics += [
            input_error(InputError(f, f"{folder.layout.runner.name} does not run this file: {why}"))
            for f in not_run
            if (why := _not_run(folder.layout))
        ]
    if not requested:
        return
    first = files.index(requested[0])
    label = os.path.basename(os.path.dirname(os.path.abspath(files[0])))
    try:
        sources = [read_source(f) for f in files]
    except InputError as exc:
        report.diagnostics.append(input_error(exc))
        return
    layout = folder.layout
    plans = _plans(layout, [s for s in sources if s.path in folder.requested]) if rollback else {}
    with host.database(label) as database, session(database, read_only=False) as connection:
        pg_version = connection.info.server_version // 10000
        # Linted in this process: parsing workers forked here would hold the connection and the
        # pipe whose end tells the server's watchdog that this process died (server.py), and
        # forking a process that has threads can deadlock. Verify waits on the server anyway.
        one_process = replace(settings, pg_version=pg_version, processes=1)
        claims = _claims(sources, requested, one_process)
        migrations = [
            Migration(
                s.path,
                layout.up_text(s.text),
                s.path in folder.requested,
                tuple(claims.get(s.path, ())),
            )
            for s in sources
        ]
        applier = Applier(connection, runner_of(layout, settings), pg_version)
        try:
            applier.apply(migrations[:first])
            if rollback:
                _apply_checking_plans(applier, migrations[first:], plans, verified)
            else:
                applier.apply(migrations[first:])
        except ApplyFailed as failed:
            report.diagnostics.append(_apply_failed(failed, migrations, folder.requested))
    report.statements += len(applier.traces)
    verified.traces.extend(applier.traces)


def run_order(layout: Layout, files: list[str], max_bytes: int) -> list[str]:
    """The migrations the runner runs, in its order. drizzle's migrator runs the journal's
    entries in the journal's order, and no other file; it stops before running any when an
    entry has no file or the journal cannot be read (an InputError)."""
    if layout.name != "drizzle" or not files:
        return files
    return [m.path for m in migrations_in(os.path.dirname(files[0]), layout, max_bytes)]


def _not_run(layout: Layout) -> str:
    return "the journal does not list it" if layout.name == "drizzle" else ""


def _runner_stops(exc: InputError) -> Diagnostic:
    line = exc.line or 1
    return Diagnostic(
        APPLY_FAILED,
        Severity.ERROR,
        exc.path,
        line,
        1,
        line,
        1,
        f"the migrator stops before running any migration: {exc.message}",
        "Nothing of this folder was applied.",
    )


def _apply_checking_plans(
    applier: Applier,
    migrations: list[Migration],
    plans: dict[str, RollbackPlan],
    verified: Verified,
) -> None:
    """Apply each migration on its own; undo one that has a plan by it, compare the schema
    with the one before, and apply it again."""
    connection = applier.connection
    for index, migration in enumerate(migrations):
        plan = plans.get(migration.path)
        if plan is None:
            applier.apply([migration])
            continue
        before = catalog.read(connection)
        applier.apply([migration])
        verified.plans_checked += 1
        problem = check_plan(connection, plan, before, applier.pg_version)
        if problem is None:
            applier.apply([replace(migration, traced=False)])
        elif problem.rule == ROLLBACK_MISMATCH:
            later = len(migrations) - index - 1
            if later:
                problem = replace(problem, help=f"{problem.help} {_later(later)}")
            verified.report.diagnostics.append(problem)
            return
        else:  # rolled back: the database is as the migration left it
            verified.report.diagnostics.append(problem)


def _plans(layout: Layout, sources: list[Source]) -> dict[str, RollbackPlan]:
    """The rollback plans of these migrations, by path; those without one are left out."""
    found = {}
    for source in sources:
        plan = rollback_plan(layout, source.path, source.text)
        if plan is not None:
            found[source.path] = plan
    return found


def _apply_failed(
    failed: ApplyFailed, migrations: list[Migration], requested: set[str]
) -> Diagnostic:
    """The refused statement as a finding: an error in a file asked about; in the history
    before them (a base migration in `ci --verify`), a warning that they went unverified, as
    the change is not what failed."""
    failure = failed.failure
    index = next(i for i, m in enumerate(migrations) if m.path == failure.path)
    line, column = Source(failure.path, migrations[index].text).position(failure.offset)
    code = f"{failure.sqlstate}: " if failure.sqlstate else ""
    message = f"PostgreSQL refused this statement: {code}{failure.message}"
    severity, help_text = Severity.ERROR, _later(len(migrations) - index - 1)
    if failure.path not in requested:
        severity = Severity.WARNING
        help_text = (
            "This earlier migration fails on the scratch server (often an extension it does not "
            "have: use --database-url with a server that has it), so the files asked about "
            "were not verified."
        )
    return Diagnostic(
        APPLY_FAILED, severity, failure.path, line, column, line, column, message, help_text
    )


def _later(count: int) -> str:
    if count:
        return f"The {count} later migration(s) of this folder were not applied."
    return "It is the folder's last migration."


def _claims(
    sources: list[Source], requested: list[str], settings: Settings
) -> dict[str, list[tuple[int, Claim]]]:
    """The lock claims of the linter's findings in the files asked about, by file, each at the
    character offset of its finding (on the scratch server's version)."""
    texts = {source.path: source for source in sources}
    found: dict[str, list[tuple[int, Claim]]] = {}
    for finding in lint_paths(requested, settings).diagnostics:
        source = texts.get(finding.path)
        offset = source.offset(finding.line, finding.column) if source else None
        if offset is None:
            continue
        for claim in claims_in(finding.rule, finding.message):
            found.setdefault(finding.path, []).append((offset, claim))
    return found
