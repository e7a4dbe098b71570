"""What `migration-lint rollback` reads and writes of a runner's bookkeeping: which of a folder's
migrations the database has applied, and the change to the bookkeeping that makes the runner
apply one again.

Each runner's table as the runner keeps it:
- drizzle: drizzle.__drizzle_migrations (id, hash, created_at), a row a migration: hash is the
  sha256 of the file, created_at its journal entry's `when`;
- Prisma: _prisma_migrations, a row a migration run (migration_name, checksum: the sha256 of
  migration.sql, finished_at, rolled_back_at);
- golang-migrate: schema_migrations (version, dirty), one row: the newest version applied;
- goose: goose_db_version (version_id, is_applied), a row a change (version 0 is its own);
- dbmate: schema_migrations (version), a row a migration.

Bookkeeping that does not match the files (an applied migration with no file, one edited since
it was applied, a run that failed halfway) is an InputProblem: rollback refuses, as the runner
itself would stop.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..drizzle import JOURNAL, parse_journal
from ..errors import InputProblem
from ..layouts import Layout
from ..source import InputError, read_bytes, read_text
from .connect import one_line
from .urls import Target

if TYPE_CHECKING:
    import psycopg

# PostgreSQL's SQLSTATE for a table that does not exist.
_UNDEFINED_TABLE = "42P01"


@dataclass(frozen=True)
class Applied:
    """An applied migration: its file, and what identifies its bookkeeping."""

    path: str
    row: tuple[object, ...]  # drizzle's and Prisma's row id, the others' version


@dataclass(frozen=True)
class Write:
    """A change to the bookkeeping, with its values as parameters."""

    sql: str  # %s for each parameter
    params: tuple[object, ...]

    def shown(self) -> str:
        """As SQL with its values written in, for the printed plan."""
        return self.sql % tuple(_literal(value) for value in self.params) + ";"


@dataclass(frozen=True)
class Bookkeeping:
    runner: str
    table: str  # its SQL name, as LOCK TABLE takes it and messages show it
    # The folder's applied migrations, in the order applied; `files` in the runner's order.
    read: Callable[[psycopg.Connection[tuple[object, ...]], Layout, list[str]], list[Applied]]
    # The change that makes the runner apply `applied` again; `previous` was applied before it.
    forget: Callable[[Applied, Applied | None], Write]


def _rows(
    connection: psycopg.Connection[tuple[object, ...]], runner: str, table: str, query: str
) -> list[tuple[object, ...]]:
    import psycopg

    try:
        return connection.execute(query).fetchall()
    except psycopg.Error as exc:
        if exc.sqlstate == _UNDEFINED_TABLE:
            raise InputProblem(
                f"no table {table} in this database: {runner} has applied nothing here (or "
                "keeps its bookkeeping in a table of another name, which rollback cannot read)"
            ) from None
        detail = one_line(exc, Target())
        raise InputProblem(f"cannot read {table} as {runner} keeps it: {detail}") from None


def _mismatch(table: str, problem: str) -> InputProblem:
    return InputProblem(f"{table} does not match the migration files: {problem}")


def _sha256(path: str) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()


def _by_version(layout: Layout, files: list[str]) -> dict[str, str]:
    return {version: path for path in files if (version := layout.version(path)) is not None}


# drizzle ---------------------------------------------------------------------------------------

_DRIZZLE_TABLE = '"drizzle"."__drizzle_migrations"'


def _drizzle_read(
    connection: psycopg.Connection[tuple[object, ...]], layout: Layout, files: list[str]
) -> list[Applied]:
    journal_path = os.path.join(os.path.dirname(files[0]), JOURNAL)
    try:
        journal = parse_journal(read_text(journal_path))
    except InputError as exc:
        raise InputProblem(f"{exc.path}: {exc.message}") from None
    if journal.unreadable:
        raise InputProblem(f"{journal_path}: {journal.unreadable}")
    by_tag = {os.path.basename(path).removesuffix(".sql"): path for path in files}
    by_when: dict[int, list[str]] = {}
    for entry in journal.entries:
        if isinstance(entry.when, int) and entry.tag in by_tag:
            by_when.setdefault(entry.when, []).append(by_tag[entry.tag])
    query = f"SELECT id, hash, created_at FROM {_DRIZZLE_TABLE} ORDER BY created_at, id"
    applied = []
    for row_id, hash_, created_at in _rows(connection, "drizzle", _DRIZZLE_TABLE, query):
        candidates = by_when.get(created_at, []) if isinstance(created_at, int) else []
        if not candidates:
            raise _mismatch(
                _DRIZZLE_TABLE,
                f"row {row_id} (created_at {created_at}) is no migration of {journal_path}",
            )
        path = next((p for p in candidates if _sha256(p) == hash_), None)
        if path is None:
            raise _mismatch(
                _DRIZZLE_TABLE,
                f"{candidates[0]} is not the migration the database applied (row {row_id}): "
                "its sha256 differs from the row's hash; was it edited after it was applied?",
            )
        applied.append(Applied(path, (row_id,)))
    return applied


def _drizzle_forget(applied: Applied, previous: Applied | None) -> Write:
    return Write(f"DELETE FROM {_DRIZZLE_TABLE} WHERE id = %s", applied.row)


# Prisma ----------------------------------------------------------------------------------------

_PRISMA_TABLE = '"_prisma_migrations"'
_CHECKSUM_LENGTH = 64


def _prisma_read(
    connection: psycopg.Connection[tuple[object, ...]], layout: Layout, files: list[str]
) -> list[Applied]:
    by_name = {layout.migration_name(path): path for path in files}
    query = (
        "SELECT id, migration_name, checksum, finished_at IS NOT NULL, "
        f"rolled_back_at IS NOT NULL FROM {_PRISMA_TABLE} ORDER BY started_at, id"
    )
    applied = []
    for row_id, name, checksum, finished, rolled_back in _rows(
        connection, "Prisma", _PRISMA_TABLE, query
    ):
        if rolled_back:
            continue  # `prisma migrate resolve --rolled-back`: Prisma applies it again
        if not finished:
            raise _mismatch(
                _PRISMA_TABLE,
                f"{name} failed or is still running (finished_at is empty): resolve it "
                "first (prisma migrate resolve)",
            )
        path = by_name.get(str(name))
        if path is None:
            raise _mismatch(_PRISMA_TABLE, f"{name} is applied, and has no migration folder here")
        if not _prisma_checksum_matches(read_bytes(path), str(checksum)):
            raise _mismatch(
                _PRISMA_TABLE,
                f"{path} is not the migration the database applied: its sha256 differs from "
                "the row's checksum; was it edited after it was applied?",
            )
        applied.append(Applied(path, (row_id,)))
    return applied


def _prisma_checksum_matches(script: bytes, checksum: str) -> bool:
    """As Prisma compares them: with either line ending, and the unpadded hex of early
    versions for a checksum shorter than 64 characters."""
    for variant in (script, script.replace(b"\r\n", b"\n"), script.replace(b"\n", b"\r\n")):
        digest = hashlib.sha256(variant).digest()
        if len(checksum) == _CHECKSUM_LENGTH:
            rendered = digest.hex()
        else:
            rendered = "".join(f"{byte:x}" for byte in digest)
        if rendered == checksum:
            return True
    return False


def _prisma_forget(applied: Applied, previous: Applied | None) -> Write:
    return Write(f"DELETE FROM {_PRISMA_TABLE} WHERE id = %s", applied.row)


# golang-migrate --------------------------------------------------------------------------------

_GOLANG_MIGRATE_TABLE = '"schema_migrations"'


def _golang_migrate_read(
    connection: psycopg.Connection[tuple[object, ...]], layout: Layout, files: list[str]
) -> list[Applied]:
    table = _GOLANG_MIGRATE_TABLE
    rows = _rows(connection, "golang-migrate", table, f"SELECT version, dirty FROM {table}")
    if not rows:
        return []
    if len(rows) > 1:
        raise _mismatch(table, f"it has {len(rows)} rows; golang-migrate keeps one")
    ((version, dirty),) = rows
    if dirty:
        raise _mismatch(
            table,
            f"version {version} is dirty: it failed halfway; repair the database and run "
            f"`migrate force` first",
        )
    by_version = {int(v): path for v, path in _by_version(layout, files).items()}
    if not isinstance(version, int) or version not in by_version:
        raise _mismatch(table, f"it is at version {version}, which no migration file here has")
    return [Applied(path, (v,)) for v, path in sorted(by_version.items()) if v <= version]


def _golang_migrate_forget(applied: Applied, previous: Applied | None) -> Write:
    # One row for the newest version: the previous one's, or none when nothing is left.
    table = _GOLANG_MIGRATE_TABLE
    if previous is None:
        return Write(f"DELETE FROM {table} WHERE version = %s AND NOT dirty", applied.row)
    return Write(
        f"UPDATE {table} SET version = %s WHERE version = %s AND NOT dirty",
        previous.row + applied.row,
    )


# goose -----------------------------------------------------------------------------------------

_GOOSE_TABLE = '"goose_db_version"'


def _goose_read(
    connection: psycopg.Connection[tuple[object, ...]], layout: Layout, files: list[str]
) -> list[Applied]:
    query = f"SELECT version_id, is_applied FROM {_GOOSE_TABLE} ORDER BY id"
    # A version's last row says whether it is applied (older goose recorded a down as a row).
    state: dict[int, bool] = {}
    for version, is_applied in _rows(connection, "goose", _GOOSE_TABLE, query):
        if not isinstance(version, int) or version == 0:  # 0: the row goose starts its table with
            continue
        state.pop(version, None)
        state[version] = bool(is_applied)
    by_version = {int(v): path for v, path in _by_version(layout, files).items()}
    applied = []
    for version in (v for v, is_applied in state.items() if is_applied):
        if version not in by_version:
            raise _mismatch(_GOOSE_TABLE, f"version {version} is applied, and has no file here")
        applied.append(Applied(by_version[version], (version,)))
    return applied


def _goose_forget(applied: Applied, previous: Applied | None) -> Write:
    return Write(f"DELETE FROM {_GOOSE_TABLE} WHERE version_id = %s", applied.row)


# dbmate ----------------------------------------------------------------------------------------

_DBMATE_TABLE = '"schema_migrations"'


def _dbmate_read(
    connection: psycopg.Connection[tuple[object, ...]], layout: Layout, files: list[str]
) -> list[Applied]:
    query = f"SELECT version FROM {_DBMATE_TABLE} ORDER BY version"
    by_version = _by_version(layout, files)
    applied = []
    for (version,) in _rows(connection, "dbmate", _DBMATE_TABLE, query):
        path = by_version.get(str(version))
        if path is None:
            raise _mismatch(_DBMATE_TABLE, f"version {version} is applied, and has no file here")
        applied.append(Applied(path, (str(version),)))
    return applied


def _dbmate_forget(applied: Applied, previous: Applied | None) -> Write:
    return Write(f"DELETE FROM {_DBMATE_TABLE} WHERE version = %s", applied.row)


BOOKKEEPING = {
    "drizzle": Bookkeeping("drizzle", _DRIZZLE_TABLE, _drizzle_read, _drizzle_forget),
    "prisma": Bookkeeping("Prisma", _PRISMA_TABLE, _prisma_read, _prisma_forget),
    "golang-migrate": Bookkeeping(
        "golang-migrate", _GOLANG_MIGRATE_TABLE, _golang_migrate_read, _golang_migrate_forget
    ),
    "goose": Bookkeeping("goose", _GOOSE_TABLE, _goose_read, _goose_forget),
    "dbmate": Bookkeeping("dbmate", _DBMATE_TABLE, _dbmate_read, _dbmate_forget),
}
_NOT_KEPT = {
    "flyway": "Flyway keeps flyway_schema_history with checksums of its own and undoes "
    "migrations with its U files (`flyway undo`): migration-lint rollback does not write it",
}


def bookkeeping_of(layout: Layout) -> Bookkeeping:
    if layout.name in BOOKKEEPING:
        return BOOKKEEPING[layout.name]
    reason = _NOT_KEPT.get(
        layout.name,
        f"migration-lint rollback does not know the bookkeeping of the {layout.name} layout",
    )
    raise InputProblem(
        f"{reason}; it knows drizzle's, Prisma's, golang-migrate's, goose's and dbmate's"
    )


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
