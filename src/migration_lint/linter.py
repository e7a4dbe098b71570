"""Linting: files in, diagnostics out. Pure functions; the CLI only formats what they return."""

from __future__ import annotations

import contextlib
import gc
import heapq
import itertools
import os
import sys
import time
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from .changes import describe_change
from .context import Context
from .diagnostic import Diagnostic, Kind, Severity, kinds
from .discovery import migrations_folder
from .drizzle import NOT_IN_JOURNAL, journal_order
from .errors import ConfigError
from .layouts import Layout
from .operations import Operation
from .parallel import Parsed, ParsingPool, parse_each, usable_processors
from .parse import Statements, parse
from .pg_frontend import operations_of
from .project import Project
from .records import FrozenRecord, Record
from .registry import (
    REGISTRY,
    Check,
    Rule,
    import_inspecting,
    known_rules,
    load_rules,
    unknown_rule,
)
from .runners import Runner, effective_runner
from .source import InputError, Places, Source, file_identities, read_source, read_text
from .suppressions import apply_suppressions, has_suppressions

if TYPE_CHECKING:
    from dataclasses import dataclass

    from .findings_cache import Contents, FolderFindings
else:  # the same, made faster for records (records.dataclass)
    from .records import dataclass

SYNTAX_ERROR = "syntax-error"
INPUT_ERROR = "input-error"
NOT_SQL = (
    "not a .sql file: migration-lint lints SQL migrations (name the migrations folder or its "
    ".sql files)"
)


@dataclass(frozen=True, eq=False, repr=False)
class Settings(FrozenRecord):
    """What a run lints with: the command line's options over the config's."""

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
    # Processes to lint with (parallel.py): 0 for one per usable processor. A plan of fewer
    # migrations than `pool_min_files` is linted in one process: starting workers costs more
    # (the real folders of 120 files or fewer take longer with them, those of 160 and more less).
    processes: int = 0
    pool_min_files: int = 150
    # The folder of the history cache (history_cache.py); None: every run replays the history.
    cache_folder: str | None = None


@dataclass(eq=False, repr=False)
class Report(Record):
    """What a run found, and what it linted."""

    # The findings kept, in order: all of them, unless the run wrote them out as it found them
    # (then `written` counts them).
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    statements: int = 0
    # The schema changes each linted migration makes, in order (see changes.describe_change);
    # collected only when asked for (the pull request comment shows them).
    changes: dict[str, list[str]] = field(default_factory=dict)
    linted: list[str] = field(default_factory=list)  # the files reported on, in order
    baselined: int = 0  # findings left out because the baseline has them
    # Baseline entries for the linted files that no longer match a finding.
    stale_baseline: list[dict[str, str]] = field(default_factory=list)
    written: Counter[Kind] = field(default_factory=Counter)  # findings written out, not kept

    def counts(self) -> Counter[Kind]:
        """How many findings of each kind the run has: all the summaries and exit codes read."""
        return self.written + kinds(self.diagnostics)


class RuleSet:
    """The rules a run uses, by id, and their checks by the operation type each inspects.

    The modules of the built-in rules that inspect an operation type are imported when the run
    first meets one: a run meets a few types, and importing all the rules took a tenth of a
    pre-commit run.
    """

    def __init__(self, rule_ids: Iterable[str]) -> None:
        self.ids = list(rule_ids)  # in load_rules()'s order: findings at one place keep it
        self.checks = _Checks(self.ids)

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleSet:
        available = known_rules()
        for rule_id in (settings.select or frozenset()) | settings.ignore:
            if rule_id not in available:
                raise ConfigError(unknown_rule(rule_id, available))
        for rule_id in settings.ignore:
            if available[rule_id][0] is Severity.ERROR:
                raise ConfigError(
                    f"rule {rule_id!r} finds incompatible migrations and cannot be ignored"
                )
        return cls(
            rule_id
            for rule_id, (_, default) in available.items()
            if (rule_id in settings.select if settings.select is not None else default)
            and rule_id not in settings.ignore
        )


class _Checks(dict[type[Operation], list[tuple[Rule, Check]]]):
    """Each operation type's rules with their checks (a rule the linter reports itself has
    none), found when the type is first looked up."""

    def __init__(self, rule_ids: list[str]) -> None:
        super().__init__()
        self.rule_ids = rule_ids

    def __missing__(self, kind: type[Operation]) -> list[tuple[Rule, Check]]:
        import_inspecting(kind, set(self.rule_ids))
        rules = REGISTRY.rules
        found = self[kind] = [
            (rule, rule.check)
            for rule in (rules[rule_id] for rule_id in self.rule_ids if rule_id in rules)
            if kind in rule.inspects and rule.check is not None
        ]
        return found


_NO_CHECKS = _Checks([])  # a migration replayed as history: no rule looks at it


def lint_paths(paths: Iterable[str], settings: Settings, changes: bool = True) -> Report:
    """Lint the files the paths name; earlier migrations of their folders are read as history.
    `changes`: also describe the schema changes of each linted file (Report.changes)."""
    report = Report()
    for found in findings(paths, settings, report, changes):
        report.diagnostics.extend(found)
    return report


# A migration's findings are handed on this many at a time: one with a million of them is
# linted in bounded memory.
_PIECE = 1000
# The findings of a migration with fewer than this many are sorted before they are handed on.
_SORTED_UP_TO = 10_000


def findings(
    paths: Iterable[str], settings: Settings, report: Report, changes: bool = False
) -> Iterator[list[Diagnostic]]:
    """The findings of the files the paths name, in order, as they are found (paths that cannot
    be linted first), a file's at a time or in pieces of a large one; the rest of the report is
    filled in as it goes."""
    rules = RuleSet.from_settings(settings)
    # Parse trees are many small dicts that live for one file: with the default thresholds the
    # collector scans them over and over (a quarter of the run time on a large folder).
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    pool = None
    try:
        problems: list[Diagnostic] = []
        plan = plan_folders(paths, settings.project, problems)
        if problems:
            yield problems
        folders = [(f, _cached_findings(f, rules, settings, changes)) for f in plan]
        parsed = sum(_parsed(folder, settings, cached) for folder, cached in folders)
        pool = _pool_for(parsed, settings)
        for folder, cached in folders:
            yield from _lint_folder(folder, rules, settings, report, changes, pool, cached)
    finally:
        gc.set_threshold(*thresholds)
        if pool is not None:
            pool.close()


def _pool_for(migrations: int, settings: Settings) -> ParsingPool | None:
    """Worker processes to parse migrations, when there are enough of them to gain."""
    processes = settings.processes or usable_processors()
    if processes < 2 or migrations < settings.pool_min_files:
        return None
    # The main process runs the rules, as much work as parsing, and parses too while it would
    # wait for the workers: on a processor of its own.
    try:
        return ParsingPool(processes - 1)
    except (OSError, ImportError) as exc:
        # A sandbox that forbids processes or semaphores, no /dev/shm: one process finds the
        # same, more slowly.
        print(
            f"migration-lint: warning: worker processes cannot start here ({exc}): linting in "
            "one process",
            file=sys.stderr,
        )
        return None


def _parsed(folder: FolderPlan, settings: Settings, cached: FolderFindings | None) -> int:
    """How many of a folder's migrations a run parses: up to the last requested one, less the
    history before the first that the history cache has (when there is one) and the files
    whose findings the findings cache has."""
    first, last = folder.requested_span()
    if settings.cache_folder is None:
        return last + 1
    return last + 1 - (cached.miss if cached is not None else first)


def _cached_findings(
    folder: FolderPlan, rules: RuleSet, settings: Settings, changes: bool
) -> FolderFindings | None:
    """What the findings cache has of a folder's requested files, when it is used: by a run
    that lints enough of them to gain."""
    if settings.cache_folder is None:
        return None
    from .findings_cache import MIN_FILES, FolderFindings, findings_seed
    from .history_cache import seed

    if len(folder.requested) < MIN_FILES:
        return None

    places = Places()
    context = Context(settings.pg_version, runner_of(folder.layout, settings))
    history_seed = seed(settings, folder.layout.name, context)
    _, last = folder.requested_span()
    files = folder.files[: last + 1]
    sides = [side for file in files for side in _sides(folder, file)]
    side_identities = [
        found if os.path.lexists(side) else "absent"
        for side, found in zip(sides, file_identities(sides, places, time.time_ns()), strict=True)
    ]

    def contents(file: str) -> Contents | None:
        return _contents(read_migration(file, folder, settings, places), folder)

    return FolderFindings.open(
        settings.cache_folder,
        findings_seed(history_seed, rules.ids, known_rules(), changes),
        history_seed,
        files,
        folder.requested,
        [*_identities(files, folder, places), *side_identities],
        contents,
    )


def _contents(migration: Migration, folder: FolderPlan) -> Contents | None:
    """What a migration read is to the findings cache (findings_cache.Contents)."""
    from .history_cache import digest

    if migration.error is not None:
        return None
    full = digest(migration.text)
    up = None
    if migration.in_history:
        # Most migrations have no down part: their up text is their text.
        up = full if migration.up.text is migration.text else digest(migration.up.text)
    return full, up, _side_digest(folder, migration.path)


def _sides(folder: FolderPlan, path: str) -> list[str]:
    return folder.layout.side_files(path) if path in folder.requested else []


def _side_digest(folder: FolderPlan, path: str) -> bytes:
    """What the files beside a migration that change its findings hold (as the layout and the
    runner read them: one that cannot be read is none)."""
    from .history_cache import digest

    found = []
    for side in _sides(folder, path):
        try:
            found.append(digest(read_text(side)))
        except InputError:
            found.append(b"none")
    return b"".join(found)


def _lint_folder(
    folder: FolderPlan,
    rules: RuleSet,
    settings: Settings,
    report: Report,
    changes: bool,
    pool: ParsingPool | None,
    cached: FolderFindings | None,
) -> Iterator[list[Diagnostic]]:
    """The findings of a folder's requested files, each linted on the history before it: read
    back from the findings cache up to the first it lacks, when there is one (and kept there)."""
    first, last = folder.requested_span()
    with contextlib.nullcontext() if cached is None else cached:
        if cached is not None:
            yield from _read_back(cached, report, changes)
            first = cached.miss
            if first > last:
                return
        context = Context(settings.pg_version, runner_of(folder.layout, settings))
        places = Places()  # the files of a run are in a few folders
        # The migrations before the first linted one are history only.
        before = folder.files[:first]
        if settings.cache_folder is not None and before:
            _replay_cached_history(
                context, before, folder, settings, settings.cache_folder, places, pool
            )
        else:
            migrations = read_migrations(folder, before, context, settings, pool, places)
            replay_history(context, migrations)
        kept = cached  # None once its findings are too many to keep
        for migration in read_migrations(
            folder, folder.files[first : last + 1], context, settings, pool, places
        ):
            requested = migration.path in folder.requested
            if kept is not None and not kept.keeping:
                kept = None  # too many findings to keep: the rest are not looked at
            if kept is not None:
                statements = len(migration.parsed[0]) if migration.parsed else 0
                kept.follow(migration.path, _contents(migration, folder), requested, statements)
            if not requested:
                replay_history(context, [migration])
                continue
            if migration.error is not None:
                _reported(report, migration.path, 0, False)
                yield [input_error(migration.error)]
                continue
            assert migration.parsed is not None  # a requested migration is always parsed
            has_down = folder.layout.down_sql(migration.path, migration.text) is not None
            described = _reported(report, migration.path, len(migration.parsed[0]), changes)
            # A file the drizzle journal does not list never runs, unless it ran by hand (as
            # it says): it is linted on the history so far, but is no part of it.
            on = context if migration.in_history else context.fork()
            found = migration_findings(
                migration.up, migration.parsed, rules, on, has_down, described
            )
            while piece := list(itertools.islice(found, _PIECE)):
                if kept is not None:
                    kept.found(piece)
                yield piece
            if kept is not None:
                kept.end(described)
        if kept is not None and settings.cache_folder is not None:
            # The schema where the run ended, for the next to lint a migration added after it
            # on (the chain of its findings is the history cache's).
            from .history_cache import HistoryCache

            HistoryCache(settings.cache_folder).save_model(kept.link, context)


def _read_back(cached: FolderFindings, report: Report, changes: bool) -> Iterator[list[Diagnostic]]:
    """The findings the cache has of a folder's requested files, up to the first it lacks."""
    for file in cached.cached():
        described = _reported(report, file.path, file.statements, changes)
        if described is not None:
            described += file.changes or ()
        for start in range(0, len(file.diagnostics), _PIECE):
            yield file.diagnostics[start : start + _PIECE]


def _reported(report: Report, path: str, statements: int, changes: bool) -> list[str] | None:
    """Count a file in the report (linted, or read back from the findings cache); the list of
    the schema changes it makes, to fill, when they are asked for."""
    report.files += 1
    report.linted.append(path)
    report.statements += statements
    return report.changes.setdefault(path, []) if changes else None


@dataclass(eq=False, repr=False)
class Migration(Record):
    """A migration file read, and its up migration parsed when it is linted or replayed."""

    path: str
    error: InputError | None = None  # why it cannot be read: then it is nothing else
    text: str = ""  # the file's text
    up: Source = field(default_factory=lambda: Source("", ""))  # its up migration
    # Whether it is part of the history: drizzle runs only what its journal lists, and a file
    # kept out of the journal that says it ran by hand.
    in_history: bool = False
    parsed: Parsed | None = None  # the up migration's statements and syntax problems


def read_migrations(
    folder: FolderPlan,
    files: list[str],
    context: Context,
    settings: Settings,
    pool: ParsingPool | None,
    places: Places,
) -> Iterator[Migration]:
    """A folder's migrations, in order, each read and parsed if it is to be linted or replayed
    (with a pool, read a few batches ahead and parsed in its workers)."""

    def read(file: str) -> tuple[Migration, str | None]:
        migration = read_migration(file, folder, settings, places)
        wanted = migration.in_history or file in folder.requested
        return migration, migration.up.text if wanted and migration.error is None else None

    on_breakpoints = context.runner.splits_on_breakpoints
    for migration, parsed in parse_each(map(read, files), on_breakpoints, pool):
        migration.parsed = parsed
        yield migration


def read_migration(file: str, folder: FolderPlan, settings: Settings, places: Places) -> Migration:
    """A migration of a folder read, not parsed."""
    try:
        source = read_source(file, settings.project.max_file_bytes, places)
    except InputError as exc:
        return Migration(file, exc)
    in_history = _runs(file, folder, source.text)
    up = Source(source.path, folder.layout.up_text(source.text))
    return Migration(file, None, source.text, up, in_history)


def replay_history(context: Context, migrations: Iterable[Migration]) -> None:
    """Replay migrations into the context, without rules: the history the next ones are linted
    on. One that cannot be read, or never runs, adds nothing."""
    for migration in migrations:
        if migration.parsed is not None and migration.in_history:
            context.replay(migration.up, migration.parsed[0])


def _runs(file: str, folder: FolderPlan, text: str) -> bool:
    """Whether a migration is part of the history: a file the drizzle journal does not list
    never runs, unless it ran by hand (as it says)."""
    return file not in folder.unlisted or bool(NOT_IN_JOURNAL.match(text))


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


def _replay_cached_history(
    context: Context,
    files: list[str],
    folder: FolderPlan,
    settings: Settings,
    cache_folder: str,
    places: Places,
    pool: ParsingPool | None,
) -> None:
    """Load the schema the migrations before the first linted one leave from the history
    cache, replaying those it does not have (in worker processes when there are many, as a
    first run has: the run's pool, or one of their own)."""
    from .history_cache import HistoryCache, seed

    def replay(sources: Iterator[Source], count: int, context: Context) -> None:
        own = _pool_for(count, settings) if pool is None else None
        try:
            texts = ((source, source.text) for source in sources)
            on_breakpoints = context.runner.splits_on_breakpoints
            for source, parsed in parse_each(texts, on_breakpoints, pool or own):
                assert parsed is not None  # every source has a text
                context.replay(source, parsed[0])
        finally:
            if own is not None:
                own.close()

    def read(file: str) -> Source | None:
        return _history_source(file, folder, settings, places)

    cache = HistoryCache(cache_folder)
    cache.replay(
        context,
        files,
        read,
        _identities(files, folder, places),
        seed(settings, folder.layout.name, context),
        replay,
    )


def _identities(files: list[str], folder: FolderPlan, places: Places) -> Sequence[Hashable | None]:
    """What tells each version of the files from any other (source.file_identities)."""
    identities: Sequence[Hashable | None] = file_identities(files, places, time.time_ns())
    if folder.unlisted:
        # Whether drizzle's journal lists it decides, as much as its content, what it runs.
        identities = [
            (found, "unlisted") if found is not None and file in folder.unlisted else found
            for file, found in zip(files, identities, strict=True)
        ]
    return identities


def runner_of(layout: Layout, settings: Settings) -> Runner:
    return effective_runner(layout.runner, settings.assume_in_transaction, settings.prisma_version)


@dataclass(eq=False, repr=False)
class FolderPlan(Record):
    """A migrations folder to lint: its migrations in order, and which to report on."""

    layout: Layout
    files: list[str]  # its migrations in order
    requested: set[str] = field(default_factory=set)  # the ones to report on
    unlisted: set[str] = field(default_factory=set)  # drizzle's: not in the journal

    def requested_span(self) -> tuple[int, int]:
        """The positions of the first and the last requested migrations."""
        positions = [i for i, file in enumerate(self.files) if file in self.requested]
        return positions[0], positions[-1]


def _planned(folder: str, layout: Layout, files: list[str], project: Project) -> FolderPlan:
    """A folder's plan: for drizzle, its migrations in the journal's order."""
    if layout.name != "drizzle":
        return FolderPlan(layout, files)
    ordered, unlisted = journal_order(folder, files, project.max_file_bytes)
    return FolderPlan(layout, ordered, unlisted=unlisted)


def plan_folders(
    paths: Iterable[str], project: Project, problems: list[Diagnostic]
) -> list[FolderPlan]:
    """Group the requested files by migrations folder; `problems` gets the paths that cannot be
    linted.

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
                problems.append(input_error(exc))
                continue
            planned = plan.setdefault(
                path, _planned(path, project.layout_for(path), files, project)
            )
            planned.requested.update(files)
            continue
        if not os.path.lexists(path):  # a dangling symlink exists: reading it says so
            problems.append(input_error(InputError(path, "no such file or directory")))
            continue
        if not path.endswith(".sql"):
            problems.append(input_error(InputError(path, NOT_SQL)))
            continue
        folder = migrations_folder(path)
        other_database = project.not_postgres(folder)
        if other_database:
            problems.append(input_error(InputError(path, other_database)))
            continue
        if folder not in listed:
            try:
                siblings = project.files(folder)
            except InputError:
                siblings = []
            layout = project.layout_for(folder)
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
    """Diagnostics for one migration, in file order, and how many statements it has (see
    migration_findings)."""
    parsed = parse(source.text, context.runner.splits_on_breakpoints, operations_of)
    found = list(migration_findings(source, parsed, rules, context, has_down, changes))
    return found, len(parsed[0])


def migration_findings(
    source: Source,
    parsed: Parsed,
    rules: RuleSet | None,
    context: Context,
    has_down: bool = False,
    changes: list[str] | None = None,
) -> Iterator[Diagnostic]:
    """Diagnostics for one migration, parsed, in file order, found statement by statement.

    The context starts the migration: its runner's transaction depends on its statements. With
    no rules, the migration is only replayed into the context, as history. `changes`
    collects a line for each table or column it adds, drops, renames or retypes.
    """
    statements, problems = parsed
    context.start_migration(source, statements)
    early = [
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
        early.append(input_error(InputError(source.path, "no SQL statements, only comments")))
    early.sort(key=_place)
    found = _rule_findings(source, statements, rules, context, changes)
    if rules and has_suppressions(source.text):
        # Directives mark, leave out and add findings anywhere in the file: all of them first.
        diagnostics = early + [d for statement in found for d in statement]
        active = set(rules.ids)
        diagnostics = apply_suppressions(
            source, diagnostics, statements, load_rules(), active, has_down
        )
        diagnostics.sort(key=_place)
        yield from diagnostics
        return
    # Sorted, as a finding may be placed before an earlier statement's (one in a DO body whose
    # text is not found as written). Beyond _SORTED_UP_TO, statements follow each other in the
    # file, and so, nearly always, do their findings: a migration of any size is linted in
    # bounded memory (a million findings are never all kept).
    findings = (d for statement in found for d in statement)
    first = list(itertools.islice(findings, _SORTED_UP_TO))
    if len(first) < _SORTED_UP_TO:
        yield from heapq.merge(early, sorted(first, key=_place), key=_place)
        return
    yield from heapq.merge(early, itertools.chain(first, findings), key=_place)


def _rule_findings(
    source: Source,
    statements: Statements,
    rules: RuleSet | None,
    context: Context,
    changes: list[str] | None,
) -> Iterator[list[Diagnostic]]:
    """The rules' findings of each statement in turn, in file order, with the context moving
    through the migration."""
    checks: Mapping[type[Operation], list[tuple[Rule, Check]]] = (
        rules.checks if rules else _NO_CHECKS
    )
    for operations in statements.operations():
        context.statement_number += 1
        found: list[Diagnostic] = []
        for operation in operations:
            for rule, check in checks[type(operation)]:
                try:
                    for message, help_text in check(operation, context):
                        found.append(
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
                except Exception as exc:
                    raise _crashed(rule, operation, source, exc) from exc
            context.apply(operation)
            if changes is not None:
                change = describe_change(operation)
                if change:
                    changes.append(change)
        if len(found) > 1:
            found.sort(key=_place)
        yield found


def _place(d: Diagnostic) -> tuple[int, int]:
    return d.line, d.column


def _crashed(rule: Rule, operation: Operation, source: Source, exc: Exception) -> RuntimeError:
    line, column = source.position(operation.location)
    return RuntimeError(
        f"rule {rule.id!r} ({rule.origin}) crashed on {source.path}:{line}:{column}: "
        f"{type(exc).__name__}: {exc}"
    )


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
