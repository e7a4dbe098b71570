"""The table each runner keeps of the migrations it applied, read (never written) and turned
into records that name the migration the way the folder's files do (folder.py's keys).

The tables, as the runners create them:
- drizzle-orm: drizzle.__drizzle_migrations (id serial, hash text: sha256 of the file,
  created_at bigint: the journal's `when`); from 1.0 also `name`, the migration's name.
- Prisma: _prisma_migrations (id, migration_name, checksum: sha256 of migration.sql, started_at,
  finished_at, rolled_back_at, ...).
- golang-migrate: schema_migrations (version bigint, dirty boolean): one row, the version the
  database is at.
- goose: goose_db_version (id serial, version_id bigint, is_applied boolean, tstamp).
- dbmate: schema_migrations (version varchar): one row per applied migration.
- Flyway: flyway_schema_history (installed_rank, version, description, type, script,
  checksum: CRC-32, success, ...).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..source import InputError
from .folder import name_key, numeric_version, script_key, version_key, when_key
from .state import State

if TYPE_CHECKING:
    import psycopg

Row = dict[str, object]


@dataclass(frozen=True)
class Record:
    """A migration the runner recorded."""

    key: str | None  # as folder.py's keys name it; None: no file can be its (database-only)
    label: str  # how to show it when no file is its
    state: State = State.APPLIED  # or FAILED, DIRTY
    checksum: str | None = None  # None: the runner recorded none
    # What names its row in the table (a write's WHERE: rollback's); () where nothing writes it.
    row: tuple[object, ...] = ()


@dataclass(frozen=True)
class Records:
    records: tuple[Record, ...] = ()
    # golang-migrate's version, Flyway's baseline: every file at or below it counts as applied.
    applied_through: tuple[int, ...] | None = None
    # drizzle: its migrator runs only migrations whose journal `when` is later than this.
    skips_through: int | None = None


@dataclass(frozen=True)
class Bookkeeping:
    table: str  # where it was read (or looked for), as shown
    found: bool
    records: Records = Records()


@dataclass(frozen=True)
class Runner:
    """Where a runner keeps its bookkeeping, and how to read it."""

    name: str  # in messages: "drizzle's migrator"
    table: str
    schema: str | None  # None: where the search path finds the table, as the runner looks
    columns: frozenset[str]  # a table of that name without these is another tool's
    read: Callable[[list[Row], frozenset[str]], Records]


def read_bookkeeping(
    connection: psycopg.Connection[tuple[object, ...]],
    runner: Runner,
    schema: str | None = None,
    table: str | None = None,
) -> Bookkeeping:
    """The runner's records, from its table (`schema` and `table` override where that is)."""
    from psycopg import sql
    from psycopg.rows import dict_row

    schema, table = schema or runner.schema, table or runner.table
    qualified = "pg_catalog.quote_ident(%s) || '.' || pg_catalog.quote_ident(%s)"
    where = qualified if schema else "pg_catalog.quote_ident(%s)"
    found = connection.execute(
        "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE c.oid = pg_catalog.to_regclass({where})",
        [schema, table] if schema else [table],
    ).fetchone()
    if found is None:
        return Bookkeeping(f"{schema}.{table}" if schema else table, found=False)
    oid, found_schema, found_table = str(found[0]), str(found[1]), str(found[2])
    shown = f"{found_schema}.{found_table}"
    columns = frozenset(
        str(name)
        for (name,) in connection.execute(
            "SELECT attname FROM pg_catalog.pg_attribute"
            " WHERE attrelid = %s::oid AND attnum > 0 AND NOT attisdropped",
            [oid],
        )
    )
    missing = sorted(runner.columns - columns)
    if missing:
        raise InputError(
            shown,
            f"not the table {runner.name} keeps: it has no column {', '.join(missing)} "
            "(name the right one with --migrations-schema and --migrations-table)",
        )
    with connection.cursor(row_factory=dict_row) as cursor:
        cursor.execute(
            sql.SQL("SELECT * FROM {}").format(sql.Identifier(found_schema, found_table))
        )
        rows = cursor.fetchall()
    return Bookkeeping(shown, True, runner.read(rows, columns))


def _integer(value: object) -> int | None:
    """A whole number as the table holds it (bigint, numeric or text), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)) and value == int(value):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _ordered(rows: list[Row], column: str) -> list[Row]:
    """Rows in the order the runner wrote them (its serial id or rank)."""
    return sorted(rows, key=lambda row: _integer(row[column]) or 0)


def _drizzle(rows: list[Row], columns: frozenset[str]) -> Records:
    # Before 1.0 a row says only which file (hash) ran for which journal `when` (created_at).
    named = "name" in columns
    records = []
    for row in _ordered(rows, "id"):
        name, created_at, digest = row.get("name"), _integer(row["created_at"]), row["hash"]
        key: str | None
        if named and isinstance(name, str) and name:
            key, label = name_key(name), name
        else:
            key = when_key(created_at) if created_at is not None else None
            label = f"created_at {created_at}, hash {str(digest)[:12]}…"
        records.append(Record(key, label, checksum=str(digest), row=(row["id"],)))
    # The migrator reads the newest created_at and runs only later `when`s: what matters for
    # the table it creates before 1.0, whose shape this is.
    times = [t for t in (_integer(row["created_at"]) for row in rows) if t is not None]
    return Records(tuple(records), skips_through=max(times) if times and not named else None)


def _prisma(rows: list[Row], columns: frozenset[str]) -> Records:
    records = []
    for row in sorted(rows, key=lambda row: str(row["started_at"])):
        if row["rolled_back_at"] is not None:
            continue  # `migrate resolve --rolled-back`: as if it never ran
        name = str(row["migration_name"])
        # Started and never finished: Prisma refuses to deploy until it is resolved.
        state = State.APPLIED if row["finished_at"] is not None else State.FAILED
        records.append(Record(name_key(name), name, state, str(row["checksum"]), (row["id"],)))
    return Records(tuple(records))


def _golang_migrate(rows: list[Row], columns: frozenset[str]) -> Records:
    if not rows:
        return Records()  # no version yet
    version = _integer(rows[0]["version"])  # the one row golang-migrate keeps
    if version is None:
        return Records()
    # Dirty: the migration of this version failed partway; every later `up` refuses to run.
    state = State.DIRTY if rows[0]["dirty"] else State.APPLIED
    record = Record(version_key((version,)), f"version {version}", state, row=(version,))
    return Records((record,), applied_through=(version,))


def _goose(rows: list[Row], columns: frozenset[str]) -> Records:
    # A row per up and per down: the latest one of a version says where it stands.
    latest: dict[int, bool] = {}
    for row in _ordered(rows, "id"):
        version = _integer(row["version_id"])
        if version is not None:
            latest[version] = bool(row["is_applied"])
    # Version 0 is the row goose writes when it creates the table.
    return Records(
        tuple(
            Record(version_key((version,)), f"version {version}", row=(version,))
            for version, applied in latest.items()
            if applied and version != 0
        )
    )


def _dbmate(rows: list[Row], columns: frozenset[str]) -> Records:
    versions = [str(row["version"]) for row in rows]
    return Records(tuple(Record(_version_key(v), f"version {v}", row=(v,)) for v in versions))


def _version_key(version: str) -> str | None:
    return version_key(numeric_version(version)) if _NUMERIC.fullmatch(version) else None


_NUMERIC = re.compile(r"\d+(?:[._]\d+)*")


def _flyway(rows: list[Row], columns: frozenset[str]) -> Records:
    records: dict[str, Record] = {}
    unmatched: list[Record] = []
    baselines: list[tuple[int, ...]] = []
    for row in _ordered(rows, "installed_rank"):
        kind, version, script = str(row["type"]), row["version"], str(row["script"])
        if kind == "SCHEMA":
            continue  # the row that says Flyway created the schemas
        if kind == "BASELINE":
            if isinstance(version, str) and _NUMERIC.fullmatch(version):
                baselines.append(numeric_version(version))
            continue
        if isinstance(version, str):
            key = _version_key(version)
        else:
            # A repeatable migration: recorded by its script, a row each time it ran.
            key = script_key(os.path.basename(script))
        if key is None:
            unmatched.append(Record(None, script))
            continue
        if kind == "DELETE":
            records.pop(key, None)  # `repair` marked it deleted
            continue
        checksum = _integer(row["checksum"])
        state = State.APPLIED if row["success"] else State.FAILED
        records[key] = Record(key, script, state, None if checksum is None else str(checksum))
    return Records(
        (*records.values(), *unmatched), applied_through=max(baselines) if baselines else None
    )


DRIZZLE_TABLE, DRIZZLE_SCHEMA = "__drizzle_migrations", "drizzle"
RUNNERS: dict[str, Runner] = {
    "drizzle": Runner(
        "drizzle's migrator",
        DRIZZLE_TABLE,
        DRIZZLE_SCHEMA,
        frozenset(("id", "hash", "created_at")),
        _drizzle,
    ),
    # Migration folders are drizzle 1.0's, whose migrator records each one's name.
    "drizzle-folders": Runner(
        "drizzle's migrator from 1.0",
        DRIZZLE_TABLE,
        DRIZZLE_SCHEMA,
        frozenset(("id", "hash", "created_at", "name")),
        _drizzle,
    ),
    "prisma": Runner(
        "Prisma",
        "_prisma_migrations",
        None,
        frozenset(
            ("id", "migration_name", "checksum", "started_at", "finished_at", "rolled_back_at")
        ),
        _prisma,
    ),
    "golang-migrate": Runner(
        "golang-migrate",
        "schema_migrations",
        None,
        frozenset(("version", "dirty")),
        _golang_migrate,
    ),
    "goose": Runner(
        "goose", "goose_db_version", None, frozenset(("id", "version_id", "is_applied")), _goose
    ),
    "dbmate": Runner("dbmate", "schema_migrations", None, frozenset(("version",)), _dbmate),
    "flyway": Runner(
        "Flyway",
        "flyway_schema_history",
        None,
        frozenset(("installed_rank", "version", "type", "script", "checksum", "success")),
        _flyway,
    ),
}
