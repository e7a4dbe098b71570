"""add-required-column: ADD COLUMN ... NOT NULL with nothing to fill existing rows."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare, set_not_null_steps, type_or_placeholder
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddColumn, quote
from migration_lint.registry import rule


@rule(
    id="add-required-column",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);',
    inspects=(AddColumn,),
    summary="Adding a NOT NULL column without a default fails on a table with rows and breaks "
    "inserts from running code.",
    rationale=(
        "Existing rows have no value for the new column, so the statement fails on any table "
        "that holds data; and once it exists, INSERTs from the running release, which does not "
        "know the column, fail. Add it nullable, backfill, then make it NOT NULL."
    ),
    bad='ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL;',
    good='ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL DEFAULT \'en\';',
)
def add_required_column(op: AddColumn, ctx: Context) -> Iterator[tuple[str, str]]:
    column = op.column
    if not column.not_null or column.has_default or column.generated:
        return
    if ctx.is_new_table(op.table):
        return
    table, name = op.table.sql, quote(column.name)
    column_type = type_or_placeholder(column.type, column.name)
    yield (
        f"Adding NOT NULL column {name} without a default to {table} fails if {table} has any "
        f"rows, and INSERTs from running code that does not set {name} fail. "
        + ctx.lock("ACCESS EXCLUSIVE", table),
        f"Add a required column in phases:\n"
        f"1. ALTER TABLE {table} ADD COLUMN {name} {column_type};\n"
        f"2. Deploy code that writes {name}, then backfill in batches:\n"
        f"   UPDATE {table} SET {name} = <value> WHERE {name} IS NULL AND <batch condition>;\n"
        + set_not_null_steps(
            op.table,
            column.name,
            ctx.pg_version,
            ctx.later_step,
            first=3,
            when="In a later migration, once every row has a value:",
        )
        + "\nOr, when one value suits every existing row"
        + (" (no rewrite since PostgreSQL 11)" if ctx.pg_version >= 11 else "")
        + f":\n   ALTER TABLE {table} ADD COLUMN {name} {column_type} NOT NULL DEFAULT <value>;\n"
        + declare("add-required-column", f"ALTER TABLE {table} DROP COLUMN {name};"),
    )
