"""change-column-type: ALTER COLUMN ... TYPE that rewrites the table or rejects old values."""

from __future__ import annotations

from collections.abc import Iterator

from migration_lint.advice import declare, type_or_placeholder
from migration_lint.coercion import rewrites_table
from migration_lint.context import Context
from migration_lint.diagnostic import Severity
from migration_lint.operations import AlterColumnType, ColumnType, quote
from migration_lint.registry import rule


@rule(
    id="change-column-type",
    severity=Severity.BREAKING,
    example_schema='CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);',
    inspects=(AlterColumnType,),
    summary="Changing a column's type rewrites the table and can break code that uses it.",
    rationale=(
        "Most type changes rewrite the whole table and every index on it while holding an ACCESS "
        "EXCLUSIVE lock, so the table is unavailable for the duration; and running code may write "
        "values the new type rejects or read values in a shape it does not expect. Changes "
        "PostgreSQL makes without a rewrite (such as widening a varchar) are not reported."
    ),
    bad='ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(64);',
    good="-- Phase 1 of 4: add the new column; code writes both, a job backfills it.\n"
    'ALTER TABLE "users" ADD COLUMN "name_short" varchar(64);',
)
def change_column_type(op: AlterColumnType, ctx: Context) -> Iterator[tuple[str, str]]:
    if ctx.is_new_table(op.table):
        return
    old_type = ctx.column_type(op.table, op.column)
    rewrite = op.converts or rewrites_table(old_type, op.new_type)
    if not rewrite and op.collation is None:
        return
    table, column = op.table.sql, quote(op.column)
    new_type = op.new_type.sql
    replacement = quote(f"{op.column}_new")
    change = f"from {old_type.sql} to {new_type}" if old_type else f"to {new_type}"
    if rewrite:
        what = f"Changing the type of {table}.{column} {change} can break running code that "
        what += "reads or writes it. " + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=True)
    else:
        what = (
            f"Changing the collation of {table}.{column} to {quote(op.collation or '')} changes "
            f"how running code's queries sort and compare it, and rebuilds every index on it. "
            + ctx.lock("ACCESS EXCLUSIVE", table, rewrite=False)
        )
    yield (
        what,
        f"Change a type in phases, without a long lock:\n"
        f"1. ALTER TABLE {table} ADD COLUMN {replacement} {new_type};\n"
        f"2. Deploy code that writes both columns, then backfill in batches:\n"
        f"   UPDATE {table} SET {replacement} = {column}::{new_type} WHERE {replacement} IS NULL "
        f"AND <batch condition>;\n"
        f"3. Deploy code that reads and writes only {replacement}.\n"
        f"4. In a later migration: ALTER TABLE {table} DROP COLUMN {column};\n"
        + declare("change-column-type", _change_back(op, old_type)),
    )


def _change_back(op: AlterColumnType, old_type: ColumnType | None) -> str:
    """The statement that gives the column its type (or collation) back."""
    table, column = op.table.sql, quote(op.column)
    if op.collation is not None and not op.converts and not rewrites_table(old_type, op.new_type):
        return (
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {op.new_type.sql} "
            "COLLATE <its collation before>;"
        )
    old = type_or_placeholder(old_type, op.column)
    return f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {old} USING {column}::{old};"
