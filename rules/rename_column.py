"""rename-column: ALTER TABLE ... RENAME COLUMN on a column running code uses."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare, type_or_placeholder
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import RenameColumn, quote
from migration_lint.registry import rule


@rule(
    id="rename-column",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
    inspects=(RenameColumn,),
    summary="Renaming a column breaks code that still uses the old name.",
    rationale=(
        "The running release keeps reading and writing the old column name until it is replaced; "
        "every such query fails after the rename. Add the new column, write both, backfill, switch "
        "reads, then drop the old one."
    ),
    bad='ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
    good='-- Phase 1 of 4: add the new column; code writes both, then reads "full_name".\n'
    'ALTER TABLE "users" ADD COLUMN "full_name" text;',
)
def rename_column(op: RenameColumn, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_column(op.table, op.column):  # no running code uses it yet
        return
    table, old, new = op.table.sql, quote(op.column), quote(op.new_name)
    column_type = type_or_placeholder(ctx.column_type(op.table, op.column), op.column)
    yield (
        f"Renaming column {old} of {table} to {new} breaks running code that still uses {old}. "
        + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=False, table=op.table),
        f"Rename a column in phases:\n"
        f"1. ALTER TABLE {table} ADD COLUMN {new} {column_type};\n"
        f"2. Deploy code that writes both columns, then backfill in batches:\n"
        f"   UPDATE {table} SET {new} = {old} WHERE {new} IS NULL AND <batch condition>;\n"
        f"3. Deploy code that reads and writes only {new}.\n"
        f"4. In a later migration: ALTER TABLE {table} DROP COLUMN {old};\n"
        + declare("rename-column", f"ALTER TABLE {table} RENAME COLUMN {new} TO {old};"),
    )
