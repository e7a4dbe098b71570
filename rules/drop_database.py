"""drop-database: DROP DATABASE in a migration."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import DropDatabase, quote
from migration_lint.registry import rule


@rule(
    id="drop-database",
    severity=Severity.BREAKING,
    example_schema='CREATE DATABASE "analytics";',
    inspects=(DropDatabase,),
    summary="Dropping a database deletes all of its data.",
    rationale=(
        "DROP DATABASE removes every object and row, cannot run inside a transaction block, and "
        "fails while anything is connected. It has no place in an application's migrations."
    ),
    bad='DROP DATABASE "analytics";',
    good="-- migration-lint: allow drop-database -- analytics replaced; dump kept in backups\n"
    "-- rollback:\n"
    '-- CREATE DATABASE "analytics";\n'
    'DROP DATABASE "analytics";',
)
def drop_database(op: DropDatabase, ctx: Context) -> Iterator[tuple[str, str]]:
    database = quote(op.database)
    yield (
        f"Dropping database {database} deletes all of its data and fails while any session is "
        f"connected to it; it cannot run inside a transaction block.",
        f"Remove {database} outside the migrations: point every application away from it, take "
        f"a backup (pg_dump), and drop it by hand: DROP DATABASE {database};\n"
        + declare("drop-database", f"CREATE DATABASE {database};"),
    )
