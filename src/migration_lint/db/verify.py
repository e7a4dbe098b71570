"""`verify`: apply each folder's migrations to a scratch database, as its runner would, and
observe the statements of the files asked about.

A folder's migrations before the first file asked about are applied first, as the history a
deployed database already has; the rest are applied as one run of the runner (for drizzle, one
transaction), each statement of the files asked about traced. The first statement the server
refuses is an `apply-failed` finding at its file, line and column; later migrations are not
applied.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from ..diagnostic import Diagnostic, Severity
from ..drizzle import JOURNAL, parse_journal
from ..layouts import Layout
from ..linter import FolderPlan, Report, Settings, input_error, lint_paths, plan_folders, runner_of
from ..source import InputError, Source, read_source, read_text
from ..traces import StatementTrace, claims_in, disagreements
from .apply import Applier, ApplyFailed, Migration
from .connect import session
from .server import ScratchHost

APPLY_FAILED = "apply-failed"


@dataclass
class Verified:
    report: Report = field(default_factory=Report)
    traces: list[StatementTrace] = field(default_factory=list)
    where: str = ""  # the server, for the summary


def verify(paths: list[str], settings: Settings, host: ScratchHost) -> Verified:
    verified = Verified(where=host.where)
    for folder in plan_folders(paths, settings.project, verified.report):
        _verify_folder(folder, settings, host, verified)
    verified.report.diagnostics.sort(key=lambda d: (d.path, d.line, d.column))
    return verified


def _verify_folder(
    folder: FolderPlan, settings: Settings, host: ScratchHost, verified: Verified
) -> None:
    report = verified.report
    files = run_order(folder.layout, folder.files)
    requested = [f for f in files if f in folder.requested]
    report.files += len(requested)
    report.linted.extend(requested)
    if not requested:
        return
    first = files.index(requested[0])
    label = os.path.basename(os.path.dirname(os.path.abspath(files[0])))
    try:
        migrations = [_migration(folder.layout, f, f in folder.requested) for f in files]
    except InputError as exc:
        report.diagnostics.append(input_error(exc))
        return
    with host.database(label) as database, session(database, read_only=False) as connection:
        pg_version = connection.info.server_version // 10000
        applier = Applier(connection, runner_of(folder.layout, settings), pg_version)
        try:
            applier.apply(migrations[:first])
            applier.apply(migrations[first:])
        except ApplyFailed as failed:
            report.diagnostics.append(_apply_failed(failed, migrations))
    report.statements += len(applier.traces)
    _add_claims(applier.traces, requested, replace(settings, pg_version=pg_version))
    verified.traces.extend(applier.traces)


def run_order(layout: Layout, files: list[str]) -> list[str]:
    """The migrations the runner runs, in its order: drizzle's migrator runs the journal's
    entries in the journal's order, and no other file."""
    if layout.name != "drizzle" or not files:
        return files
    folder = os.path.dirname(files[0])
    try:
        journal = parse_journal(read_text(os.path.join(folder, JOURNAL)))
    except InputError:
        return files  # the linter reports the journal
    by_tag = {os.path.basename(f).removesuffix(".sql"): f for f in files}
    ordered = [by_tag[e.tag] for e in journal.entries if e.tag in by_tag]
    return ordered or files


def _migration(layout: Layout, path: str, traced: bool) -> Migration:
    text = read_source(path).text
    return Migration(path, layout.up_text(text), traced)


def _apply_failed(failed: ApplyFailed, migrations: list[Migration]) -> Diagnostic:
    failure = failed.failure
    index = next(i for i, m in enumerate(migrations) if m.path == failure.path)
    line, column = Source(failure.path, migrations[index].text).position(failure.offset)
    later = migrations[index + 1 :]
    code = f"{failure.sqlstate}: " if failure.sqlstate else ""
    help_text = (
        f"The {len(later)} later migration(s) of this folder were not applied."
        if later
        else "It is the folder's last migration."
    )
    return Diagnostic(
        APPLY_FAILED,
        Severity.ERROR,
        failure.path,
        line,
        column,
        line,
        column,
        f"PostgreSQL refused this statement: {code}{failure.message}",
        help_text,
    )


def _add_claims(traces: list[StatementTrace], requested: list[str], settings: Settings) -> None:
    """Put each lock claim of the linter's findings beside the statement it is about."""
    findings = lint_paths(requested, settings).diagnostics
    by_path: dict[str, list[StatementTrace]] = {}
    for trace in traces:
        by_path.setdefault(trace.path, []).append(trace)
    for finding in findings:
        claims = claims_in(finding.rule, finding.message)
        statements = by_path.get(finding.path, [])
        at = [t for t in statements if (t.line, t.column) <= (finding.line, finding.column)]
        if not claims or not at:
            continue
        trace = at[-1]
        trace.claims.extend(claims)
        for claim in claims:
            trace.disagreements.extend(disagreements(claim, trace))
