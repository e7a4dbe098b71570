"""drop-table: DROP TABLE on a table that running code may still use."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import (
    declare,
    foreign_key_effects,
    recreate_dependents,
    restore_table,
    views_effects,
)
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import DropTable
from migration_lint.registry import rule


@rule(
    id="drop-table",
    severity=Severity.BREAKING,
    example_schema=(
        'CREATE TABLE "users" ("id" bigint PRIMARY KEY);\n'
        'CREATE TABLE "sessions" ("id" bigint PRIMARY KEY, "user_id" bigint REFERENCES "users");'
    ),
    inspects=(DropTable,),
    summary="Dropping a table breaks code that still uses it and deletes its data.",
    rationale=(
        "Application servers running the previous release keep querying the table until they "
        "are replaced, and every such query fails once it is gone. The data cannot be recovered "
        "without a backup. Stop using the table in code first, deploy, and drop it in a later "
        "migration. Dropping it also drops its foreign keys, which locks the tables they "
        "reference, and with CASCADE the foreign keys of other tables that reference it and "
        "the views that read it (as history shows them: the views whose queries name it, and "
        "the views that read those; views made outside the migrations folder are not known)."
    ),
    bad='DROP TABLE "sessions";',
    good="-- Release 41 stopped using sessions; this migration ships with release 42.\n"
    "-- migration-lint: allow drop-table -- sessions moved to Redis in release 41\n"
    "-- rollback:\n"
    '-- CREATE TABLE "sessions" ("id" text PRIMARY KEY, "user_id" bigint NOT NULL);\n'
    'DROP TABLE "sessions";',
)
def drop_table(op: DropTable, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_table(op.table):
        return
    table = op.table.sql
    views = ctx.dependents(op)
    rollback = restore_table(ctx, op.table, op.cascade)
    if op.cascade and views:  # after the table they read
        rollback += "\n" + recreate_dependents(views)
    yield (
        f"Dropping table {table} breaks running code that still queries it and deletes its data. "
        + ctx.lock("ACCESS EXCLUSIVE", table, table=op.table)
        + foreign_key_effects(ctx, op.table, None, op.cascade)
        + views_effects(views, op.cascade),
        f"Drop a table in two releases:\n"
        f"1. Deploy code that no longer reads or writes {table} (remove it from the ORM schema).\n"
        f"2. In a later migration, once that release runs everywhere and the data is backed up:\n"
        # Without its CASCADE, PostgreSQL refuses the drop while what depends on it exists.
        f"   DROP TABLE {table}{' CASCADE' if op.cascade else ''};\n"
        + declare("drop-table", rollback),
    )
