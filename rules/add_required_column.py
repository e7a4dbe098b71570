"""add-required-column: ADD COLUMN ... NOT NULL with nothing to fill existing rows."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint import advice
from migration_lint.advice import set_not_null_steps, type_or_placeholder
from migration_lint.context import Context, column_subject
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddColumn, DropDefault, DropNotNull, SetNotNull, quote
from migration_lint.registry import rule


@rule(
    id="add-required-column",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);',
    inspects=(AddColumn, DropDefault),
    summary="Adding a NOT NULL column without a default fails on a table with rows and breaks "
    "inserts from running code.",
    rationale=(
        "Existing rows have no value for the new column, so the statement fails on any table "
        "that holds data; and once it exists, INSERTs from the running release, which does not "
        "know the column, fail. Add it nullable, backfill, then make it NOT NULL. Adding it with "
        "a default and dropping the default in the same migration (to fill existing rows) "
        "breaks those INSERTs the same way."
    ),
    bad='ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL;',
    good='ALTER TABLE "users" ADD COLUMN "locale" text NOT NULL DEFAULT \'en\';',
)
def add_required_column(op: AddColumn | DropDefault, ctx: Context) -> Iterator[tuple[str, str]]:
    if isinstance(op, DropDefault):
        yield from _default_dropped_after_add(op, ctx)
        return
    column = op.column
    if not column.not_null or column.has_default or column.generated:
        return
    if ctx.is_new_table(op.table) or ctx.skipped(op):
        return
    table, name = op.table.sql, quote(column.name)
    column_type = type_or_placeholder(column.type, column.name)
    yield (
        f"Adding NOT NULL column {name} without a default to {table} fails if {table} has any "
        f"rows, and INSERTs from running code that does not set {name} fail. "
        + ctx.lock("ACCESS EXCLUSIVE", table, table=op.table),
        f"Add a required column in phases:\n"
        f"1. ALTER TABLE {table} ADD COLUMN {name} {column_type};\n"
        f"2. Deploy code that writes {name}, then backfill in batches:\n"
        f"   UPDATE {table} SET {name} = <value> WHERE {name} IS NULL AND <batch condition>;\n"
        + set_not_null_steps(
            op.table,
            column.name,
            ctx.pg_version,
            ctx.later_transaction(),
            first=3,
            when="In a later migration, once every row has a value:",
        )
        + "\nOr, when one value suits every existing row"
        + (" (no rewrite since PostgreSQL 11)" if ctx.pg_version >= 11 else "")
        + f":\n   ALTER TABLE {table} ADD COLUMN {name} {column_type} NOT NULL DEFAULT <value>;\n"
        + advice.declare("add-required-column", f"ALTER TABLE {table} DROP COLUMN {name};"),
    )


def _default_dropped_after_add(op: DropDefault, ctx: Context) -> Iterator[tuple[str, str]]:
    """ADD COLUMN ... NOT NULL DEFAULT x, then DROP DEFAULT in the same migration: the default
    filled the existing rows, and then leaves running code's INSERTs without a value."""
    if ctx.is_new_table(op.table):
        return
    added = ctx.column_added_in_migration(op.table, op.column)
    if added is None or added.column.generated:
        return
    earlier = ctx.earlier(column_subject(op.table, op.column))
    not_null = added.column.not_null
    for since in earlier[next(i for i, e in enumerate(earlier) if e is added) :]:
        if isinstance(since, SetNotNull | DropNotNull):
            not_null = isinstance(since, SetNotNull)
    if not not_null or ctx.default_settled_later(op.table, op.column):
        return
    table, name = op.table.sql, quote(op.column)
    line = ctx.line(added.location)
    yield (
        f"Dropping the default of {name}, added to {table} at line {line}, leaves INSERTs from "
        f"running code (which does not know {name}) without a value for this NOT NULL column: "
        "they fail once the migration commits. "
        + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=False, table=op.table),
        "Keep the default until every INSERT sets the column:\n"
        f"1. Keep the ADD COLUMN of line {line} (its default fills the existing rows) and take "
        "this DROP DEFAULT out of the migration.\n"
        f"2. Deploy code that sets {name} in every INSERT into {table}.\n"
        "3. In a later migration, once that release runs everywhere:\n"
        f"   ALTER TABLE {table} ALTER COLUMN {name} DROP DEFAULT;\n"
        + advice.declare(
            "add-required-column", advice.set_default(op.table, op.column, added.column.default)
        ),
    )
