"""`migration-lint status`: each migration of a folder set against the runner's own bookkeeping
in a database, read over a read-only connection."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..layouts import Layout
from ..project import Project
from ..source import InputError
from .bookkeeping import RUNNERS, Record, Records, read_bookkeeping
from .connect import DatabaseError, connect, one_line
from .folder import Migration, migrations_in
from .state import State
from .urls import Target


@dataclass(frozen=True)
class Entry:
    name: str
    state: State
    path: str | None = None  # None: only in the database
    detail: str = ""  # why it is in this state, when that is not plain
    record: Record | None = None  # the runner's record of it, when it has one


@dataclass(frozen=True)
class StatusReport:
    folder: str
    layout: str
    runner: str  # "drizzle's migrator"
    database: str  # as shown: never with its password
    table: str  # where the bookkeeping was read, or looked for
    table_found: bool
    entries: tuple[Entry, ...]

    @property
    def exit_code(self) -> int:
        return max((entry.state.exit_code for entry in self.entries), default=0)

    def counts(self) -> dict[State, int]:
        """How many migrations are in each state, in State's order, only those with any."""
        found = Counter(entry.state for entry in self.entries)
        return {state: found[state] for state in State if found[state]}


def read_status(
    folder: str,
    project: Project,
    target: Target,
    schema: str | None = None,
    table: str | None = None,
) -> StatusReport:
    """Where each migration of `folder` stands in the `target` database. The folder is read
    first: a folder that cannot be used never opens a connection."""
    layout = project.layout_for(folder)
    runner = RUNNERS.get(layout.name)
    if runner is None:
        raise InputError(
            folder,
            f"a {layout.name} folder: status reads the bookkeeping of "
            f"{', '.join(RUNNERS)} (set `layout` in the config if this folder is one of them)",
        )
    migrations = folder_migrations(folder, project, layout)
    with connect(target, read_only=True) as connection:
        import psycopg

        try:
            bookkeeping = read_bookkeeping(connection, runner, schema, table)
        except psycopg.Error as exc:
            raise DatabaseError(target.shown or "database", one_line(exc, target)) from None
    return StatusReport(
        folder,
        layout.name,
        runner.name,
        target.shown or "database",
        bookkeeping.table,
        bookkeeping.found,
        tuple(compare(migrations, bookkeeping.records, runner.name)),
    )


def folder_migrations(folder: str, project: Project, layout: Layout) -> list[Migration]:
    """The folder's migrations as its runner applies them (folder.py); an InputError when they
    are another database's."""
    problem = project.not_postgres(folder)
    if problem:
        raise InputError(folder, problem)
    return migrations_in(folder, layout, project.max_file_bytes)


def compare(migrations: list[Migration], records: Records, runner: str) -> list[Entry]:
    """Each migration's entry, in the runner's order, then the records no file is for."""
    recorded = records.records
    paired = _pair(migrations, recorded)
    newest = max((migrations[i].version or () for i in paired), default=())
    entries = [
        _entry(migration, recorded[paired[index]] if index in paired else None, records, runner)
        for index, migration in enumerate(migrations)
    ]
    if runner in _REFUSE_OUT_OF_ORDER:
        entries = [
            _out_of_order(entry, migration, newest, runner)
            for entry, migration in zip(entries, migrations, strict=True)
        ]
    matched = set(paired.values())
    entries += [_database_only(r) for index, r in enumerate(recorded) if index not in matched]
    return entries


def _pair(migrations: list[Migration], records: tuple[Record, ...]) -> dict[int, int]:
    """Migration index -> the index of its record, for those that have one. A record whose
    checksum is a file's goes to that file first: two journal entries with the same `when`
    (one applied, one not) are told apart by content."""
    by_key: dict[str, list[int]] = {}
    for index, migration in enumerate(migrations):
        for key in migration.keys:
            by_key.setdefault(key, []).append(index)
    paired: dict[int, int] = {}
    left = [index for index, record in enumerate(records) if record.key is not None]
    for same_content in (True, False):
        unpaired = []
        for record_index in left:
            record = records[record_index]
            candidates = [
                index
                for index in by_key.get(record.key or "", [])
                if index not in paired
                and (not same_content or _same_checksum(migrations[index], record))
            ]
            if candidates:
                paired[candidates[0]] = record_index
            else:
                unpaired.append(record_index)
        left = unpaired
    return paired


def _same_checksum(migration: Migration, record: Record) -> bool:
    if record.checksum is None or not migration.checksums:
        return True  # nothing to compare
    return record.checksum in migration.checksums


def _entry(migration: Migration, record: Record | None, records: Records, runner: str) -> Entry:
    name, path = migration.name, migration.path
    if record is None:
        through = records.applied_through
        if through is not None and migration.version is not None and migration.version <= through:
            return Entry(name, State.APPLIED, path)
        skips = records.skips_through
        if skips is not None and migration.when is not None and migration.when <= skips:
            return Entry(
                name,
                State.WILL_BE_SKIPPED,
                path,
                f"its journal `when` ({migration.when}) is not later than the newest applied "
                f"migration's created_at ({skips}): {runner} skips it without a word; "
                "regenerate it so that its `when` is the latest",
            )
        return Entry(name, State.PENDING, path)
    if record.state is State.FAILED:
        return Entry(
            name,
            State.FAILED,
            path,
            f"{runner} recorded it as failed (or started and never finished): "
            "it refuses to deploy until that is resolved",
            record,
        )
    if record.state is State.DIRTY:
        return Entry(
            name,
            State.DIRTY,
            path,
            f"{runner} marked the database dirty at this version: the migration failed "
            "partway; repair the schema by hand, then `migrate force` the right version",
            record,
        )
    if _same_checksum(migration, record):
        return Entry(name, State.APPLIED, path, record=record)
    if migration.reruns_when_changed:
        detail = f"changed since it last ran: {runner} runs it again"
        return Entry(name, State.PENDING, path, detail, record)
    return Entry(
        name,
        State.CHANGED,
        path,
        f"the file changed after it was applied: its checksum is not the recorded "
        f"{record.checksum}",
        record,
    )


# Runners that refuse a pending migration older than the newest applied one, and the setting
# that lets them run it.
_REFUSE_OUT_OF_ORDER = {
    "goose": 'goose up fails with "found missing migrations" unless run with -allow-missing',
    "Flyway": "Flyway's validate fails (it is ignored) unless outOfOrder is true",
}


def _out_of_order(
    entry: Entry, migration: Migration, newest: tuple[int, ...], runner: str
) -> Entry:
    if entry.state is not State.PENDING or migration.version is None or migration.version >= newest:
        return entry
    return Entry(
        entry.name,
        State.OUT_OF_ORDER,
        entry.path,
        f"pending below the newest applied version ({'.'.join(map(str, newest))}): "
        + _REFUSE_OUT_OF_ORDER[runner],
    )


def _database_only(record: Record) -> Entry:
    if record.state is State.APPLIED:
        detail = "recorded as applied; no file here"
        return Entry(record.label, State.DATABASE_ONLY, detail=detail, record=record)
    return Entry(
        record.label, record.state, detail="recorded in the database; no file here", record=record
    )
