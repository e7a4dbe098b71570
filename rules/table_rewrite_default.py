"""table-rewrite-default: ADD COLUMN ... DEFAULT before PostgreSQL 11 rewrites the table."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import type_or_placeholder
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import AddColumn, quote
from migration_lint.registry import rule


@rule(
    id="table-rewrite-default",
    severity=Severity.WARNING,
    example_schema='CREATE TABLE "orders" ("id" bigint PRIMARY KEY);',
    inspects=(AddColumn,),
    summary="Before PostgreSQL 11, ADD COLUMN with any DEFAULT rewrites the whole table.",
    rationale=(
        "PostgreSQL 10 and earlier store the default in every existing row, rewriting the table "
        "and its indexes under an ACCESS EXCLUSIVE lock. Add the column without a default, set "
        "the default for new rows, and backfill in batches."
    ),
    bad='ALTER TABLE "orders" ADD COLUMN "currency" text DEFAULT \'EUR\';',
    good='ALTER TABLE "orders" ADD COLUMN "currency" text;\n'
    'ALTER TABLE "orders" ALTER COLUMN "currency" SET DEFAULT \'EUR\';',
    example_pg_version=10,
)
def table_rewrite_default(op: AddColumn, ctx: Context) -> Iterator[tuple[str, str]]:
    column = op.column
    if ctx.pg_version >= 11 or not column.has_default or ctx.is_new_table(op.table):
        return
    if ctx.skipped(op):  # IF NOT EXISTS of a column that exists
        return
    table, name = op.table.sql, quote(column.name)
    column_type = type_or_placeholder(column.type, column.name)
    yield (
        f"On PostgreSQL {ctx.pg_version}, adding {name} to {table} with a DEFAULT writes it into "
        f"every existing row. " + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=True, table=op.table),
        f"1. ALTER TABLE {table} ADD COLUMN {name} {column_type};\n"
        f"2. ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT <default>;  -- new rows only\n"
        f"3. Backfill in batches: UPDATE {table} SET {name} = <default> WHERE {name} IS NULL AND "
        f"<batch condition>;",
    )
