"""What `migration-lint rollback` writes to a runner's bookkeeping: the change that makes the
runner apply a migration again. Reading the table, and matching it with the files, is status's
(bookkeeping.py, status.compare).

Each runner's change, as its own `down` makes it:
- drizzle, Prisma: delete the migration's row (by its id);
- golang-migrate: its one row goes back to the previous version, or is deleted when none is left;
- goose: delete the version's rows (goose_db_version.version_id);
- dbmate: delete the version's row (schema_migrations.version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InputProblem
from ..layouts import Layout
from .bookkeeping import RUNNERS, Runner


@dataclass(frozen=True)
class Applied:
    """An applied migration: its file, and what names its bookkeeping row."""

    path: str
    row: tuple[object, ...]  # its record's row (Record.row), else its version (golang-migrate)


@dataclass(frozen=True)
class Write:
    """A change to the bookkeeping, with its values as parameters."""

    sql: str  # %s for each parameter
    params: tuple[object, ...]

    def shown(self) -> str:
        """As SQL with its values written in, for the printed plan."""
        return self.sql % tuple(_literal(value) for value in self.params) + ";"


# (the table's SQL name, the migration to forget, the one applied before it) -> the change
Forget = Callable[[str, Applied, Applied | None], Write]


@dataclass(frozen=True)
class BookkeepingWriter:
    runner: Runner  # its table, and how status reads it
    forget_in: Forget

    @property
    def table(self) -> str:
        """The table's SQL name, as LOCK TABLE and the writes take it and messages show it."""
        names = (
            [self.runner.table]
            if self.runner.schema is None
            else [
                self.runner.schema,
                self.runner.table,
            ]
        )
        return ".".join('"' + name.replace('"', '""') + '"' for name in names)

    def forget(self, applied: Applied, previous: Applied | None) -> Write:
        """The change that makes the runner apply `applied` again; `previous` was applied
        before it."""
        return self.forget_in(self.table, applied, previous)


def _delete_row(column: str) -> Forget:
    def forget(table: str, applied: Applied, previous: Applied | None) -> Write:
        return Write(f"DELETE FROM {table} WHERE {column} = %s", applied.row)

    return forget


def _golang_migrate_forget(table: str, applied: Applied, previous: Applied | None) -> Write:
    # One row for the newest version: the previous one's, or none when nothing is left.
    if previous is None:
        return Write(f"DELETE FROM {table} WHERE version = %s AND NOT dirty", applied.row)
    return Write(
        f"UPDATE {table} SET version = %s WHERE version = %s AND NOT dirty",
        previous.row + applied.row,
    )


_FORGET: dict[str, Forget] = {
    "drizzle": _delete_row("id"),
    "prisma": _delete_row("id"),
    "golang-migrate": _golang_migrate_forget,
    "goose": _delete_row("version_id"),
    "dbmate": _delete_row("version"),
}
_NOT_KEPT = {
    "flyway": "Flyway keeps flyway_schema_history with checksums of its own and undoes "
    "migrations with its U files (`flyway undo`): migration-lint rollback does not write it",
}


def writer_of(layout: Layout) -> BookkeepingWriter:
    if layout.name in _FORGET:
        return BookkeepingWriter(RUNNERS[layout.name], _FORGET[layout.name])
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
