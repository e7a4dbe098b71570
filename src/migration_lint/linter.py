"""Linting: files in, diagnostics out. Pure functions; the CLI only formats what they return."""

from __future__ import annotations

import gc
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .changes import describe_change
from .context import Context
from .diagnostic import Diagnostic, Severity
from .discovery import migrations_folder
from .drizzle import NOT_IN_JOURNAL, journal_order
from .errors import ConfigError
from .layouts import Layout
from .operations import Operation
from .parse import parse
from .pg_frontend import operations_of
from .project import Project
from .registry import Rule, load_rules, unknown_rule
from .runners import Runner, effective_runner
from .source import InputError, Places, Source, file_identity, read_source
from .suppressions import apply_suppressions

SYNTAX_ERROR = "syntax-error"
INPUT_ERROR = "input-error"
NOT_SQL = (
    "not a .sql file: migration-lint lints SQL migrations (name the migrations folder or its "
    ".sql files)"
)


@dataclass(frozen=True)
class Settings:
    pg_version: int = 16
    # Whether the runner wraps each migration in a transaction; None: what the layout's runner
    # does (runners.py). A migration's own directive (goose, dbmate) wins either way.
    assume_in_transaction: bool | None = None
    prisma_version: str | None = None  # Prisma 7.4 sends a migration's statements one by one
    select: frozenset[str] | None = None  # None: the rules that are on by default
    ignore: frozenset[str] = frozenset()
    project: Project = field(default_factory=Project)
    fail_on: Severity = Severity.BREAKING  # the least serious severity that fails the run
    baseline: str | None = None  # the baseline file to read, when there is one
    # The folder of the history cache (history_cache.py); None: every run replays the history.
    cache_folder: str | None = None


@dataclass
class Report:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    statements: int = 0
    # The schema changes each linted migration makes, in order (see changes.describe_change).
    changes: dict[str, list[str]] = field(default_factory=dict)
    linted: list[str] = field(default_factory=list)  # the files reported on, in order
    baselined: int = 0  # findings left out because the baseline has them
    # Baseline entries for the linted files that no longer match a finding.
    stale_baseline: list[dict[str, str]] = field(default_factory=list)


class RuleSet:
    """The rules a run uses, indexed by the operation type each inspects."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        self.by_operation: dict[type[Operation], list[Rule]] = defaultdict(list)
        for rule in self.rules:
            for inspected in rule.inspects:
                self.by_operation[inspected].append(rule)

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleSet:
        available = load_rules()
        for rule_id in (settings.select or frozenset()) | settings.ignore:
            if rule_id not in available:
                raise ConfigError(unknown_rule(rule_id, available))
        for rule_id in settings.ignore:
            if available[rule_id].severity is Severity.ERROR:
                raise ConfigError(
                    f"rule {rule_id!r} finds incompatible migrations and cannot be ignored"
                )
        chosen = [
            rule
            for rule in available.values()
            if (rule.id in settings.select if settings.select is not None else rule.default)
            and rule.id not in settings.ignore
        ]
        return cls(chosen)


def lint_paths(paths: Iterable[str], settings: Settings) -> Report:
    """Lint the files the paths name; earlier migrations of their folders are read as history."""
    rules = RuleSet.from_settings(settings)
    report = Report()
    # Parse trees are many small dicts that live for one file: with the default thresholds the
    # collector scans them over and over (a quarter of the run time on a large folder).
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        _lint_plan(plan_folders(paths, settings.project, report), rules, settings, report)
    finally:
        gc.set_threshold(*thresholds)
    return report


def _lint_plan(plan: list[FolderPlan], rules: RuleSet, settings: Settings, report: Report) -> None:
    places = Places()  # the files of a run are in a few folders
    for folder in plan:
        context = Context(settings.pg_version, runner_of(folder.layout, settings))
        positions = [i for i, file in enumerate(folder.files) if file in folder.requested]
        first, last = positions[0], positions[-1]
        _replay_history(context, folder.files[:first], folder, settings, places)
        for file in folder.files[first : last + 1]:
            if file not in folder.requested:
                source = _history_source(file, folder, settings, places)
                if source:
                    replay_source(source, context)
                continue
            report.files += 1
            report.linted.append(file)
            try:
                source = read_source(file, settings.project.max_file_bytes, places)
            except InputError as exc:
                report.diagnostics.append(input_error(exc))
                continue
            up = Source(source.path, folder.layout.up_text(source.text))
            has_down = folder.layout.down_sql(file, source.text) is not None
            changes = report.changes.setdefault(file, [])
            diagnostics, statements = lint_source(
                up,
                rules,
                context if _runs(file, folder, source.text) else context.fork(),
                has_down,
                changes,
            )
            report.diagnostics.extend(diagnostics)
            report.statements += statements


def _history_source(
    file: str, folder: FolderPlan, settings: Settings, places: Places
) -> Source | None:
    """What a migration runs, to replay as history; None when it is no part of the history."""
    try:
        source = read_source(file, settings.project.max_file_bytes, places)
    except InputError:
        return None  # said when the file is linted itself
    if not _runs(file, folder, source.text):
        return None
    return Source(source.path, folder.layout.up_text(source.text))


def _runs(file: str, folder: FolderPlan, text: str) -> bool:
    """Whether a migration is part of the history: a file the drizzle journal does not list
    never runs, unless it ran by hand (as it says). It is linted on the history so far."""
    return file not in folder.unlisted or bool(NOT_IN_JOURNAL.match(text))


def _replay_history(
    context: Context, files: list[str], folder: FolderPlan, settings: Settings, places: Places
) -> None:
    """Replay the migrations before the first linted one, or load the schema they leave from
    the history cache."""

    def read(file: str) -> Source | None:
        return _history_source(file, folder, settings, places)

    if settings.cache_folder is None or not files:
        for file in files:
            source = read(file)
            if source:
                replay_source(source, context)
        return
    from .history_cache import HistoryCache, seed

    started = time.time_ns()

    def identity(file: str) -> tuple[object, ...] | None:
        found = file_identity(file, places, started)
        # Whether drizzle's journal lists it decides, as much as its content, what it runs.
        return None if found is None else (*found, file in folder.unlisted)

    cache = HistoryCache(settings.cache_folder)
    cache.replay(
        context, files, read, identity, seed(settings, folder.layout.name, context), replay_source
    )


def runner_of(layout: Layout, settings: Settings) -> Runner:
    return effective_runner(layout.runner, settings.assume_in_transaction, settings.prisma_version)


@dataclass
class FolderPlan:
    layout: Layout
    files: list[str]  # its migrations in order
    requested: set[str] = field(default_factory=set)  # the ones to report on
    unlisted: set[str] = field(default_factory=set)  # drizzle's: not in the journal


def _planned(folder: str, layout: Layout, files: list[str], project: Project) -> FolderPlan:
    """A folder's plan: for drizzle, its migrations in the journal's order."""
    if layout.name != "drizzle":
        return FolderPlan(layout, files)
    ordered, unlisted = journal_order(folder, files, project.max_file_bytes)
    return FolderPlan(layout, ordered, unlisted=unlisted)


def plan_folders(paths: Iterable[str], project: Project, report: Report) -> list[FolderPlan]:
    """Group the requested files by migrations folder.

    A file given alone is linted after the migrations before it in its folder, as pre-commit
    passes only the new file.
    """
    plan: dict[str, FolderPlan] = {}
    # The migrations of each folder of a file given alone, listed once however many are given.
    listed: dict[str, tuple[Layout, list[str], set[str]]] = {}
    for given in paths:
        path = os.path.normpath(given)
        # A configured folder that does not exist: project.files says where it is named.
        if os.path.isdir(path) or path in project.named_in:
            try:
                files = project.files(path)
            except InputError as exc:
                report.diagnostics.append(input_error(exc))
                continue
            planned = plan.setdefault(
                path, _planned(path, project.layout_for(path), files, project)
            )
            planned.requested.update(files)
            continue
        if not os.path.lexists(path):  # a dangling symlink exists: reading it says so
            report.diagnostics.append(input_error(InputError(path, "no such file or directory")))
            continue
        if not path.endswith(".sql"):
            report.diagnostics.append(input_error(InputError(path, NOT_SQL)))
            continue
        folder = migrations_folder(path)
        other_database = project.not_postgres(folder)
        if other_database:
            report.diagnostics.append(input_error(InputError(path, other_database)))
            continue
        if folder not in listed:
            layout = project.layout_for(folder)
            try:
                siblings = layout.files(folder)
            except InputError:
                siblings = []
            listed[folder] = layout, siblings, set(siblings)
        layout, siblings, members = listed[folder]
        if path in members:
            if folder not in plan:
                plan[folder] = _planned(folder, layout, siblings, project)
            plan[folder].requested.add(path)
        else:  # e.g. a down migration: linted alone
            plan.setdefault(path, FolderPlan(layout, [path])).requested.add(path)
    return list(plan.values())


def input_error(exc: InputError) -> Diagnostic:
    line = exc.line or 1
    return Diagnostic(INPUT_ERROR, Severity.ERROR, exc.path, line, 1, line, 1, exc.message)


def replay_source(source: Source, context: Context) -> None:
    """Replay a migration into the context as history: the schema it leaves, no findings."""
    statements, _ = parse(source.text, context.runner.splits_on_breakpoints, operations_of)
    context.replay(source, statements)


def lint_source(
    source: Source,
    rules: RuleSet | None,
    context: Context,
    has_down: bool = False,
    changes: list[str] | None = None,
) -> tuple[list[Diagnostic], int]:
    """Diagnostics for one migration, in file order, and how many statements it has.

    The context starts the migration: its runner's transaction depends on its statements. With
    no rules, the migration is only replayed into the context, as history. `changes`
    collects a line for each table or column it adds, drops, renames or retypes.
    """
    statements, problems = parse(source.text, context.runner.splits_on_breakpoints, operations_of)
    context.start_migration(source, statements)
    diagnostics = [
        _diagnostic(
            source,
            SYNTAX_ERROR if p.syntax else INPUT_ERROR,
            Severity.ERROR,
            p.start,
            p.end,
            p.message,
        )
        for p in problems
    ]
    if not statements and not problems:
        diagnostics.append(input_error(InputError(source.path, "no SQL statements, only comments")))
    for operations in statements.operations():
        context.statement_number += 1
        for operation in operations:
            for rule in rules.by_operation.get(type(operation), ()) if rules else ():
                for message, help_text in _run(rule, operation, context, source):
                    diagnostics.append(
                        _diagnostic(
                            source,
                            rule.id,
                            rule.severity,
                            operation.location,
                            operation.end,
                            message,
                            help_text,
                        )
                    )
            context.apply(operation)
            if changes is not None:
                change = describe_change(operation)
                if change:
                    changes.append(change)
    if rules:
        diagnostics = apply_suppressions(
            source, diagnostics, statements, load_rules(), {r.id for r in rules.rules}, has_down
        )
    diagnostics.sort(key=lambda d: (d.line, d.column))
    return diagnostics, len(statements)


def _run(
    rule: Rule, operation: Operation, context: Context, source: Source
) -> list[tuple[str, str]]:
    assert rule.check is not None  # RuleSet.by_operation only holds rules with a check
    try:
        return list(rule.check(operation, context))
    except Exception as exc:
        line, column = source.position(operation.location)
        raise RuntimeError(
            f"rule {rule.id!r} ({rule.origin}) crashed on {source.path}:{line}:{column}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _diagnostic(
    source: Source,
    rule: str,
    severity: Severity,
    start: int,
    end: int,
    message: str,
    help_text: str = "",
) -> Diagnostic:
    line, column = source.position(start)
    end_line, end_column = source.position(max(end, start))
    return Diagnostic(
        rule, severity, source.path, line, column, end_line, end_column, message, help_text
    )
